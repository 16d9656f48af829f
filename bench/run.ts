/**
 * `npm run bench`: attrd against a bare node:http ceiling, on SQLite and (when reachable)
 * PostgreSQL, then on a SQLite store preloaded with 1,000,000 tokens × 5 attributes,
 * against the ceiling and side by side with the small store. Every server and the load generator run in their own processes over loopback; every
 * loop is bounded. Prints a report and writes it to bench/results/<time>.json.
 *
 *   npm run bench                       # the full run (about 25 minutes on 2 cores)
 *   npm run bench -- --quick            # 3 s runs and 100,000 tokens: about 5 minutes
 *   npm run bench -- --seconds 10 --runs 5 --tokens 1000000 --no-postgres
 *
 * ATTRD_BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/postgres) names a server
 * on which the bench may create and drop a database of its own.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { IMPORT_MAX_TOKENS, openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { ImportRow, Store } from '../src/store/store.js';
import { benchNames, benchToken, benchValue, type LoadResult, type Scenario } from './data.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(`--${name}`);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  const value = i >= 0 ? Number(args[i + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} takes a positive integer`);
  return value;
};
const quick = flag('quick');
const settings = {
  seconds: option('seconds', quick ? 3 : 8),
  runs: option('runs', 3),
  connections: option('connections', 32),
  baseTokens: option('base-tokens', 10_000),
  scaleTokens: option('tokens', quick ? 100_000 : 1_000_000),
  postgres: !flag('no-postgres'),
  scale: !flag('no-scale'),
};
const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const SCENARIOS: readonly Scenario[] = ['write-basic', 'write-sign', 'read', 'mix'];
const root = new URL('..', import.meta.url).pathname;

// ---------------------------------------------------------------- processes

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  /** Milliseconds from spawn to the first successful /readyz (attrd) or listening line. */
  readonly startMs: number;
}

function waitForLine(child: ChildProcess, pattern: RegExp, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 30 s:\n${seen}`)), 30_000);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const match = pattern.exec(seen);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(match);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${seen}`));
    });
  });
}

async function startAttrd(database: string): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, [join(root, 'dist/main.js')], {
    env: {
      PATH: process.env.PATH,
      ATTRD_HOST: '127.0.0.1',
      ATTRD_PORT: '0',
      ATTRD_DATABASE: database,
      ATTRD_ADMIN_TOKEN: ADMIN_TOKEN,
      ATTRD_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const match = await waitForLine(child, /serving on (http:\/\/\S+)/, 'attrd');
  const url = match[1]!;
  for (let i = 0; i < 300; i++) {
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, url, startMs: performance.now() - started };
}

async function startCeiling(): Promise<Running> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/ceiling.ts')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const match = await waitForLine(child, /\{"port":(\d+)\}/, 'ceiling');
  child.stdout!.resume();
  child.stderr!.resume();
  return { child, url: `http://127.0.0.1:${match[1]}`, startMs: performance.now() - started };
}

async function stop(running: Running): Promise<void> {
  if (running.child.exitCode !== null) return;
  const exited = new Promise((resolve) => running.child.once('exit', resolve));
  running.child.kill('SIGTERM');
  await exited;
}

/** CPU time (user + system, all threads) a live process has used so far, in seconds. */
function cpuSeconds(child: ChildProcess): number {
  // fields after the command name, which is in parentheses and may hold spaces
  const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}
/** The kernel's USER_HZ, in which /proc/<pid>/stat counts CPU time: 100 on Linux. */
const CLOCK_TICKS_PER_SECOND = 100;

/** Peak resident memory of a live process, from the kernel (VmHWM), in MB. */
function peakRssMb(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN);
  return Math.round(kb / 102.4) / 10;
}

function runLoad(
  url: string,
  scenario: Scenario,
  app: BenchApp,
  tokens: number,
  seconds: number,
): Promise<LoadResult> {
  const options = { url, scenario, ...app, tokens, connections: settings.connections, seconds };
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'bench/load.ts'), JSON.stringify(options)],
    { encoding: 'utf8', timeout: (seconds + 60) * 1000, maxBuffer: 1 << 20 },
  );
  return Promise.resolve(JSON.parse(out.trim().split('\n').pop()!) as LoadResult);
}

/** A load run against a server, with the server's CPU time per request (µs) during it. */
interface Measured extends LoadResult {
  readonly cpuUs: number;
}

async function runMeasured(
  server: Running,
  scenario: Scenario,
  app: BenchApp,
  tokens: number,
  seconds: number,
): Promise<Measured> {
  const before = cpuSeconds(server.child);
  const result = await runLoad(server.url, scenario, app, tokens, seconds);
  const cpuUs = ((cpuSeconds(server.child) - before) * 1e6) / Math.max(1, result.requests);
  return { ...result, cpuUs };
}

// ---------------------------------------------------------------- the app and the data

interface BenchApp {
  readonly accessId: number;
  readonly secretKey: string;
}

async function admin(url: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${url}/admin/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

async function createBenchApp(url: string): Promise<BenchApp> {
  const app = (await admin(url, 'POST', '/apps', { name: 'bench' })) as BenchApp;
  for (const name of benchNames) {
    await admin(url, 'POST', `/apps/${app.accessId}/attributes`, { name, description: `bench ${name}` });
  }
  return { accessId: app.accessId, secretKey: app.secretKey };
}

/** Milliseconds for the admin attribute list (exact device counts), median of 5. */
async function timeAttributeList(url: string, app: BenchApp, expected: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const list = (await admin(url, 'GET', `/apps/${app.accessId}/attributes`)) as {
      attributes: Array<{ name: string; deviceCount: number }>;
    };
    times.push(performance.now() - started);
    const counts = list.attributes.map((a) => a.deviceCount);
    if (counts.length !== benchNames.length || counts.some((c) => c !== expected)) {
      throw new Error(`attribute list shows counts ${counts.join(',')}, expected ${expected} each`);
    }
  }
  return median(times);
}

/** Preloads tokens from…to-1 with five attributes each through the store's bulk path. */
async function preload(store: Store, app: BenchApp, from: number, to: number): Promise<number> {
  if (!store.importAttributes) throw new Error(`the ${store.kind} store has no bulk path`);
  const started = performance.now();
  // PostgreSQL takes at most IMPORT_MAX_TOKENS per call; SQLite is faster in larger ones.
  const chunk = store.kind === 'sqlite' ? 20_000 : IMPORT_MAX_TOKENS;
  for (let start = from; start < to; start += chunk) {
    const rows: ImportRow[] = [];
    for (let i = start; i < Math.min(start + chunk, to); i++) {
      const attributes: Record<string, string> = {};
      for (const name of benchNames) attributes[name] = benchValue(i, name);
      rows.push({ token: benchToken(i), attributes });
    }
    await store.importAttributes(app.accessId, rows);
    const done = Math.min(start + chunk, to) - from;
    if (to - from >= 500_000 && done % 250_000 < chunk) {
      process.stdout.write(`  ${done} of ${to - from} tokens\n`);
    }
  }
  return performance.now() - started;
}

// ---------------------------------------------------------------- figures

const median = (xs: readonly number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (x: number, places = 2) => Math.round(x * 10 ** places) / 10 ** places;

interface Figure {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}
const figure = (xs: readonly number[]): Figure => ({
  median: round(median(xs)),
  min: round(Math.min(...xs)),
  max: round(Math.max(...xs)),
});

/** A ratio's median and its spread, as printed: `0.85 (0.80–0.91)`. */
const spread = (f: Figure) => `${f.median.toFixed(2)} (${f.min.toFixed(2)}–${f.max.toFixed(2)})`;

interface Side {
  rps: Figure;
  p50: Figure;
  p99: Figure;
  /** The server process's CPU time per request, µs (attrd's alone: not PostgreSQL's). */
  cpuUs: Figure;
  errors: number;
  requests: number;
}
interface ScenarioResult {
  readonly attrd: Side;
  readonly ceiling: Side;
  /** attrd req/s ÷ ceiling req/s, per alternated pair. */
  readonly ratio: Figure;
  /** attrd's CPU per request ÷ the ceiling's, per alternated pair. */
  readonly cpuRatio: Figure;
}

function summarize(runs: readonly Measured[]): Side {
  return {
    rps: figure(runs.map((r) => r.rps)),
    p50: figure(runs.map((r) => r.p50)),
    p99: figure(runs.map((r) => r.p99)),
    cpuUs: figure(runs.map((r) => r.cpuUs)),
    errors: runs.reduce((n, r) => n + r.errors, 0),
    requests: runs.reduce((n, r) => n + r.requests, 0),
  };
}

/** Each scenario: a warm-up, then `runs` pairs alternating attrd and the ceiling. */
async function measure(
  label: string,
  attrd: Running,
  ceiling: Running,
  app: BenchApp,
  tokens: number,
): Promise<Record<string, ScenarioResult>> {
  const results: Record<string, ScenarioResult> = {};
  for (const scenario of SCENARIOS) {
    await runLoad(attrd.url, scenario, app, tokens, 1);
    await runLoad(ceiling.url, scenario, app, tokens, 1);
    const ours: Measured[] = [];
    const theirs: Measured[] = [];
    for (let run = 0; run < settings.runs; run++) {
      // Alternate which goes first, so that drift on the machine falls on both alike.
      if (run % 2 === 0) {
        ours.push(await runMeasured(attrd, scenario, app, tokens, settings.seconds));
        theirs.push(await runMeasured(ceiling, scenario, app, tokens, settings.seconds));
      } else {
        theirs.push(await runMeasured(ceiling, scenario, app, tokens, settings.seconds));
        ours.push(await runMeasured(attrd, scenario, app, tokens, settings.seconds));
      }
    }
    const result: ScenarioResult = {
      attrd: summarize(ours),
      ceiling: summarize(theirs),
      ratio: figure(ours.map((r, i) => r.rps / theirs[i]!.rps)),
      cpuRatio: figure(ours.map((r, i) => r.cpuUs / theirs[i]!.cpuUs)),
    };
    results[scenario] = result;
    const a = result.attrd;
    const c = result.ceiling;
    process.stdout.write(
      `${label.padEnd(16)} ${scenario.padEnd(12)} ${String(Math.round(a.rps.median)).padStart(6)} req/s ` +
        `(${Math.round(a.rps.min)}–${Math.round(a.rps.max)})  ` +
        `ceiling ${String(Math.round(result.ceiling.rps.median)).padStart(6)}  ` +
        `ratio ${spread(result.ratio)}  ` +
        `p50 ${a.p50.median} ms  p99 ${a.p99.median} ms (${a.p99.min}–${a.p99.max})  errors ${a.errors}  ` +
        `| ceiling p50 ${c.p50.median} ms  p99 ${c.p99.median} ms  errors ${c.errors}  ` +
        `| CPU per request ${Math.round(a.cpuUs.median)} µs, ceiling ${Math.round(c.cpuUs.median)} µs, ` +
        `× ${spread(result.cpuRatio)}\n`,
    );
  }
  return results;
}

/**
 * The loaded store against the small one, both served at once, each scenario in `runs`
 * pairs alternating which goes first: req/s of the loaded ÷ req/s of the small, per pair,
 * and CPU time per request of the loaded ÷ of the small. Unlike two phases minutes apart,
 * this holds when the machine's speed drifts.
 */
async function compareScale(small: Running, loaded: Running, app: BenchApp) {
  const sides = {
    small: { server: small, tokens: settings.baseTokens },
    loaded: { server: loaded, tokens: settings.scaleTokens },
  };
  const results: Record<string, Figure> = {};
  const cpu: Record<string, Figure> = {};
  for (const scenario of SCENARIOS) {
    for (const side of Object.values(sides)) await runLoad(side.server.url, scenario, app, side.tokens, 1);
    const ratios: number[] = [];
    const cpuRatios: number[] = [];
    for (let run = 0; run < settings.runs; run++) {
      const order = run % 2 === 0 ? (['small', 'loaded'] as const) : (['loaded', 'small'] as const);
      const runs: Partial<Record<'small' | 'loaded', Measured>> = {};
      for (const which of order) {
        const side = sides[which];
        runs[which] = await runMeasured(side.server, scenario, app, side.tokens, settings.seconds);
      }
      ratios.push(runs.loaded!.rps / runs.small!.rps);
      cpuRatios.push(runs.loaded!.cpuUs / runs.small!.cpuUs);
    }
    results[scenario] = figure(ratios);
    cpu[scenario] = figure(cpuRatios);
    process.stdout.write(
      `${'sqlite loaded'.padEnd(16)} ${scenario.padEnd(12)} ÷ small, side by side: ` +
        `${spread(results[scenario]!)}; CPU per request × ${spread(cpu[scenario]!)}\n`,
    );
  }
  return { rps: results, cpu };
}

// ---------------------------------------------------------------- phases

async function benchSqlite(ceiling: Running, dir: string) {
  const path = join(dir, 'attrd.db');
  const database = `sqlite:${path}`;
  let server = await startAttrd(database);
  const app = await createBenchApp(server.url);
  await stop(server);

  let store = openSqliteStore({ path });
  const basePreloadMs = await preload(store, app, 0, settings.baseTokens);
  await store.close();
  server = await startAttrd(database);
  const base = await measure('sqlite', server, ceiling, app, settings.baseTokens);
  const basePeakRssMb = peakRssMb(server.child);
  await stop(server);
  // the small store as it is now, to serve next to the loaded one later
  const smallPath = join(dir, 'small.db');
  copyFileSync(path, smallPath);
  const result: Record<string, unknown> = {
    preload: { tokens: settings.baseTokens, ms: Math.round(basePreloadMs) },
    peakRssMb: basePeakRssMb,
    scenarios: base,
  };
  if (!settings.scale) return result;

  process.stdout.write(
    `preloading SQLite to ${settings.scaleTokens} tokens × ${benchNames.length} attributes\n`,
  );
  store = openSqliteStore({ path });
  const scalePreloadMs = await preload(store, app, settings.baseTokens, settings.scaleTokens);
  await store.close(); // checkpoints the WAL into the file
  const bytes = fileBytes(path);
  const tokenAttributes = settings.scaleTokens * benchNames.length;
  server = await startAttrd(database);
  const attributeListMs = await timeAttributeList(server.url, app, settings.scaleTokens);
  const loaded = await measure('sqlite loaded', server, ceiling, app, settings.scaleTokens);
  const loadedPeakRssMb = peakRssMb(server.child);
  const small = await startAttrd(`sqlite:${smallPath}`);
  const sideBySide = await compareScale(small, server, app);
  await stop(small);
  await stop(server);
  const versusBase = Object.fromEntries(
    SCENARIOS.map((s) => [s, round(loaded[s]!.attrd.rps.median / base[s]!.attrd.rps.median)]),
  );
  const ratioVersusBase = Object.fromEntries(
    SCENARIOS.map((s) => [s, round(loaded[s]!.ratio.median / base[s]!.ratio.median)]),
  );
  process.stdout.write(
    `sqlite loaded: ${settings.scaleTokens} tokens preloaded in ${(scalePreloadMs / 1000).toFixed(1)} s ` +
      `(${Math.round(((settings.scaleTokens - settings.baseTokens) * 1000) / scalePreloadMs)} tokens/s); ` +
      `${bytes} bytes on disk = ${round(bytes / settings.scaleTokens, 1)} per token, ` +
      `${round(bytes / tokenAttributes, 1)} per token-attribute; start-up ${Math.round(server.startMs)} ms; ` +
      `attribute list ${round(attributeListMs, 1)} ms; peak RSS ${loadedPeakRssMb} MB\n` +
      `sqlite loaded ÷ small, req/s: ${JSON.stringify(versusBase)}; ratio to ceiling: ${JSON.stringify(ratioVersusBase)}\n`,
  );
  return {
    ...result,
    loaded: {
      tokens: settings.scaleTokens,
      preload: { tokens: settings.scaleTokens - settings.baseTokens, ms: Math.round(scalePreloadMs) },
      bytesOnDisk: bytes,
      bytesPerToken: round(bytes / settings.scaleTokens, 1),
      bytesPerTokenAttribute: round(bytes / tokenAttributes, 1),
      startUpMs: Math.round(server.startMs),
      attributeListMs: round(attributeListMs, 1),
      peakRssMb: loadedPeakRssMb,
      scenarios: loaded,
      rpsVersusSmall: versusBase,
      ratioVersusSmall: ratioVersusBase,
      /** req/s on the loaded store ÷ on the small one, served side by side, alternated. */
      sideBySide: sideBySide.rps,
      /** CPU time per request on the loaded store ÷ on the small one, the same runs. */
      sideBySideCpuPerRequest: sideBySide.cpu,
    },
  };
}

function fileBytes(path: string): number {
  let total = 0;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      total += statSync(path + suffix).size;
    } catch {
      // absent
    }
  }
  return total;
}

/**
 * Gathers the planner's statistics after the preload, as autovacuum does on its own within
 * a minute of a bulk load. Some servers run with autovacuum off (this project's CI machines
 * among them); without statistics the planner guesses, and writes cost PostgreSQL about a
 * quarter more CPU (docs/performance.md). Returns autovacuum's setting.
 */
async function analyzeAfterPreload(maintenance: pg.Client, database: string): Promise<string> {
  const autovacuum = String((await maintenance.query('SHOW autovacuum')).rows[0]?.autovacuum);
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    await client.query('ANALYZE');
  } finally {
    await client.end();
  }
  process.stdout.write(`postgres: analyzed after the preload (autovacuum is ${autovacuum} on this server)\n`);
  return autovacuum;
}

async function benchPostgres(ceiling: Running) {
  const serverUrl = process.env.ATTRD_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const maintenance = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 3000 });
  try {
    await maintenance.connect();
  } catch (error) {
    process.stdout.write(`postgres: not reachable at ${serverUrl} (${(error as Error).message}); skipped\n`);
    return { skipped: `not reachable: ${(error as Error).message}` };
  }
  const name = `attrd_bench_${process.pid}`;
  await maintenance.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = url.toString();
  try {
    let server = await startAttrd(database);
    const app = await createBenchApp(server.url);
    await stop(server);
    const store = await openPostgresStore({ url: database, poolSize: 4, statementTimeoutMs: 60_000 });
    const preloadMs = await preload(store, app, 0, settings.baseTokens);
    await store.close();
    const autovacuum = await analyzeAfterPreload(maintenance, database);
    server = await startAttrd(database);
    const scenarios = await measure('postgres', server, ceiling, app, settings.baseTokens);
    const peak = peakRssMb(server.child);
    await stop(server);
    return {
      preload: { tokens: settings.baseTokens, ms: Math.round(preloadMs) },
      autovacuum,
      peakRssMb: peak,
      scenarios,
    };
  } finally {
    await maintenance.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await maintenance.end();
  }
}

async function main(): Promise<void> {
  process.stdout.write('building attrd…\n');
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
  const machine = {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
  };
  process.stdout.write(
    `machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGb} GB, Node ${machine.node}; ` +
      `${settings.connections} connections, ${settings.runs} runs of ${settings.seconds} s per figure\n`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'attrd-bench-'));
  const ceiling = await startCeiling();
  const report: Record<string, unknown> = { date: new Date().toISOString(), machine, settings };
  try {
    report.sqlite = await benchSqlite(ceiling, dir);
    if (settings.postgres) report.postgres = await benchPostgres(ceiling);
  } finally {
    await stop(ceiling);
    rmSync(dir, { recursive: true, force: true });
  }
  const resultsDir = join(root, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const file = join(resultsDir, `${(report.date as string).replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`report: ${file}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench: ${(error as Error).stack}\n`);
  process.exit(1);
});
