import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoadApp, deviceCall, LOAD_ADMIN_TOKEN, readN } from './support/load.js';
import { freePort, ROOT, startAttrd } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'attrd-storage-'));
chmodSync(dir, 0o755);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Root ignores file modes: run the child as nobody then, so read-only means read-only. */
const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
function giveToNobody(path: string): void {
  if (process.getuid?.() === 0) chownSync(path, 65534, 65534);
}

function runAs(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ATTRD_HOST: '127.0.0.1', ATTRD_PORT: '0', HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...asNobody,
    });
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
    });
    child.stderr.on('data', (c) => {
      output += c;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe('SQLite storage faults', () => {
  it('refuses to start, clearly, on a read-only database file', async () => {
    const path = join(dir, 'ro-file.db');
    const first = await startAttrd({ ATTRD_DATABASE: `sqlite:${path}`, ATTRD_ADMIN_TOKEN: LOAD_ADMIN_TOKEN });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    giveToNobody(path);
    chmodSync(path, 0o444);
    const { code, output } = await runAs({
      ATTRD_DATABASE: `sqlite:${path}`,
      ATTRD_ADMIN_TOKEN: LOAD_ADMIN_TOKEN,
    });
    expect(code).toBe(1);
    expect(output).toMatch(/attrd: could not start: .*(readonly|read-only|permission|unable to open)/i);
  });

  it('refuses to start, clearly, in a read-only directory', async () => {
    const ro = join(dir, 'ro-dir');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    const { code, output } = await runAs({
      ATTRD_DATABASE: `sqlite:${join(ro, 'new.db')}`,
      ATTRD_ADMIN_TOKEN: LOAD_ADMIN_TOKEN,
    });
    expect(code).toBe(1);
    expect(output).toMatch(/attrd: could not start: /);
    expect(output).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });

  it('answers 1008004 when the disk is full, keeps serving, and loses nothing acknowledged', async () => {
    const path = join(dir, 'full.db');
    const env = { ATTRD_DATABASE: `sqlite:${path}`, ATTRD_ADMIN_TOKEN: LOAD_ADMIN_TOKEN };
    // the same attrd, in a shell that caps file size (RLIMIT_FSIZE) at 2 MiB (512-byte blocks): a full disk
    const port = String(await freePort());
    const child = spawn(
      'sh',
      ['-c', `ulimit -f 4096 && exec "${process.execPath}" --import tsx src/main.ts`],
      {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          ATTRD_HOST: '127.0.0.1',
          ATTRD_PORT: port,
          ATTRD_LOG_LEVEL: 'error',
          ...env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
    });
    child.stderr.on('data', (c) => {
      output += c;
    });
    const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
    const url = `http://127.0.0.1:${port}`;
    for (let i = 0; i < 200; i++) {
      try {
        if ((await fetch(`${url}/healthz`)).ok) break;
      } catch {}
      await new Promise((r) => setTimeout(r, 100));
    }
    const names = Array.from({ length: 40 }, (_, i) => `a${i}`);
    const app = await createLoadApp(url, names);
    const acked: string[] = [];
    let failure: { status: number; body: any } | undefined;
    for (let t = 0; t < 3000 && !failure; t++) {
      const attributeMap = Object.fromEntries(names.map((n) => [n, `${t}-${'v'.repeat(40)}`.slice(0, 50)]));
      const result = await deviceCall(url, app, {
        cmd: 1,
        token: `full-${t}`,
        attributeInfo: { attributeMap },
      });
      if (result.body.retCode === 0) acked.push(`full-${t}`);
      else failure = result;
    }
    try {
      expect(failure?.body.retCode, output).toBe(1008004);
      expect(acked.length).toBeGreaterThan(10);
      // still alive and answering, reads work
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await deviceCall(url, app, { cmd: 5, token: acked[0] })).body.retCode).toBe(0);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    // once space is back, everything acknowledged is there
    const again = await startAttrd(env);
    try {
      for (const token of [acked[0]!, acked[Math.floor(acked.length / 2)]!, acked.at(-1)!]) {
        const r = await deviceCall(again.url, app, { cmd: 5, token });
        expect(Object.keys(r.body.attributeInfo.attributeMap)).toHaveLength(40);
      }
      expect(await readN(again.url, app, 'nobody')).toBe(-1);
    } finally {
      again.child.kill('SIGTERM');
      await again.exited;
    }
  });
});
