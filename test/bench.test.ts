import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadOptions, LoadResult } from '../bench/data.js';
import { ROOT } from './support/process.js';
import { startTestServer, type TestApp, type TestServer } from './support/server.js';
import { sqliteKind } from './support/stores.js';

const run = promisify(execFile);

/** The bench's own load generator, in its own process, for one second. */
async function load(options: Omit<LoadOptions, 'connections' | 'seconds'>): Promise<LoadResult> {
  const { stdout } = await run(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'bench/load.ts'),
      JSON.stringify({ ...options, connections: 4, seconds: 1 }),
    ],
    { cwd: ROOT, timeout: 30_000 },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
}

// The figures `npm run bench` prints are only as true as its load generator and ceiling:
// these check that requests really land, and that refusals are counted as errors.
describe('the benchmark’s load generator and ceiling', () => {
  let server: TestServer;
  let app: TestApp;
  let ceiling: ChildProcess;
  let ceilingUrl: string;

  beforeAll(async () => {
    server = await startTestServer(await sqliteKind.open());
    app = await server.newApp(['a0', 'a1', 'a2', 'a3', 'a4']);
    ceiling = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/ceiling.ts')], { cwd: ROOT });
    ceilingUrl = await new Promise<string>((resolve, reject) => {
      ceiling.stdout!.once('data', (chunk: Buffer) => {
        resolve(`http://127.0.0.1:${JSON.parse(chunk.toString()).port}`);
      });
      ceiling.once('exit', (code) => reject(new Error(`ceiling exited with ${code}`)));
    });
  });
  afterAll(async () => {
    ceiling?.kill('SIGTERM');
    await server?.close();
  });

  it('drives the ceiling without errors', async () => {
    for (const scenario of ['write-basic', 'read'] as const) {
      const result = await load({ url: ceilingUrl, scenario, accessId: 1, secretKey: 'x', tokens: 100 });
      expect(result.requests).toBeGreaterThan(100);
      expect(result.errors).toBe(0);
    }
  });

  it('writes land in attrd, with Basic and with signature auth', async () => {
    for (const scenario of ['write-basic', 'write-sign'] as const) {
      const result = await load({ url: server.url, scenario, ...app, tokens: 50 });
      expect(result.requests).toBeGreaterThan(100);
      expect(result.errors).toBe(0);
    }
    const list = await server.admin('GET', `/apps/${app.accessId}/attributes`);
    const a0 = list.body.attributes.find((d: { name: string }) => d.name === 'a0');
    expect(a0.deviceCount).toBeGreaterThan(40);
    expect(a0.deviceCount).toBeLessThanOrEqual(50);
  });

  it('counts every refused request as an error', async () => {
    const result = await load({
      url: server.url,
      scenario: 'mix',
      accessId: app.accessId,
      secretKey: 'wrong',
      tokens: 50,
    });
    expect(result.requests).toBeGreaterThan(100);
    expect(result.errors).toBe(result.requests);
  });
});
