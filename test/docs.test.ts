import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adminErrorCodes, retCodes } from '../src/domain/errors.js';

const errorsDoc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');

/** The body rows of the markdown table between two markers, as arrays of cells. */
function table(doc: string, marker: string): string[][] {
  const start = doc.indexOf(`<!-- ${marker}:start -->`);
  const end = doc.indexOf(`<!-- ${marker}:end -->`);
  if (start < 0 || end < 0) throw new Error(`markers ${marker} not found`);
  return doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('docs/errors.md agrees with the error catalogue', () => {
  it('lists every retCode with its TPNS message, HTTP status and meaning, and no other', () => {
    const documented = table(errorsDoc, 'retcodes');
    const expected = Object.entries(retCodes).map(([code, entry]) => [
      code,
      entry.tpnsMessage,
      String(entry.httpStatus),
      entry.meaning,
    ]);
    expect(documented).toEqual(expected);
  });

  it('lists every admin error code with its status and meaning, and no other', () => {
    const documented = table(errorsDoc, 'admin-codes');
    const expected = Object.entries(adminErrorCodes).map(([code, entry]) => [
      code,
      String(entry.status),
      entry.meaning,
    ]);
    expect(documented).toEqual(expected);
  });
});

describe('README agrees with the configuration', () => {
  it('documents every ATTRD_ variable that src/config.ts reads, and no other', () => {
    const source = readFileSync(new URL('../src/config.ts', import.meta.url), 'utf8');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const read = new Set(source.match(/ATTRD_[A-Z_]+/g));
    const section = readme.slice(readme.indexOf('## Configuration'));
    const documented = new Set(
      section
        .slice(0, section.indexOf('\n## ', 3))
        .split('\n')
        .filter((line) => line.startsWith('| `ATTRD_'))
        .map((line) => /`(ATTRD_[A-Z_]+)`/.exec(line)![1]),
    );
    expect([...documented].sort()).toEqual([...read].sort());
  });

  it('starts with the two commands that start the service and run the tests', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const head = readme.split('\n').slice(0, 5).join('\n');
    expect(head).toContain('`npm install && npm start`');
    expect(head).toContain('`npm install && npm test`');
  });
});

describe('docs/performance.md agrees with the benchmark', () => {
  const doc = readFileSync(new URL('../docs/performance.md', import.meta.url), 'utf8');
  const runner = readFileSync(new URL('../bench/run.ts', import.meta.url), 'utf8');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

  it('documents only flags the bench takes, and npm run bench runs it', () => {
    expect(pkg.scripts.bench).toBe('tsx bench/run.ts');
    const commands = doc.split('\n').filter((line) => line.startsWith('npm run bench --'));
    const flags = [...new Set(commands.join(' ').match(/(?<=\s)--[a-z][a-z-]+/g) ?? [])];
    expect(flags.length).toBeGreaterThan(4);
    for (const flag of flags) {
      const name = flag.slice(2);
      expect(runner, flag).toMatch(new RegExp(`(flag|option)\\('${name}'`));
    }
  });

  it('names the scenarios the load generator runs', () => {
    const load = readFileSync(new URL('../bench/load.ts', import.meta.url), 'utf8');
    for (const scenario of ['write-basic', 'write-sign', 'read', 'mix']) {
      expect(doc).toContain(`\`${scenario}\``);
      expect(runner + load).toContain(`'${scenario}'`);
    }
  });

  it('analyzes the PostgreSQL database after its preload and before the runs, as it says', () => {
    expect(doc).toContain('its tables analyzed after the preload');
    const body = runner.slice(runner.indexOf('async function benchPostgres'));
    const order = ['preload(store', 'analyzeAfterPreload(', "measure('postgres'"].map((s) => body.indexOf(s));
    expect(order.every((at) => at > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(runner).toContain("client.query('ANALYZE')");
  });

  it('preloads the a1 and a2 values that writes send, as it says', async () => {
    const { benchValue, benchWriteConstants } = await import('../bench/data.js');
    const load = readFileSync(new URL('../bench/load.ts', import.meta.url), 'utf8');
    expect(doc).toContain('The preloaded tokens already hold those two values');
    expect(load).toContain('...benchWriteConstants }');
    for (const i of [0, 9_999, 999_999]) {
      expect(benchValue(i, 'a1')).toBe(benchWriteConstants.a1);
      expect(benchValue(i, 'a2')).toBe(benchWriteConstants.a2);
    }
  });
});
