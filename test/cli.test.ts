import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Exit, runCli } from '../src/cli/program.js';
import { freePort, ROOT, startAttrd } from './support/process.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

/** Runs the CLI in this process with its own environment; captures what it prints. */
async function cli(argv: string[], env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, {
    env,
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}

/** Runs the real `attrd` command as a child process. */
async function attrdCommand(argv: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', ...argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const [code] = await once(child, 'exit');
  return { code, stdout, stderr };
}

for (const kind of storeKinds()) {
  describe(`attrd CLI against a real server (${kind.name})`, () => {
    let server: TestServer;
    let env: Record<string, string>;
    beforeAll(async () => {
      server = await startTestServer(await kind.open());
      env = { ATTRD_URL: server.url, ATTRD_ADMIN_TOKEN: ADMIN_TOKEN };
    });
    afterAll(() => server.close());

    it('runs every app, attr and token command, as JSON and as tables', async () => {
      const created = await cli(['--json', 'app', 'create', 'cli app'], env);
      expect(created.code).toBe(Exit.ok);
      const app = created.json();
      expect(app).toMatchObject({ name: 'cli app', region: 'default' });
      expect(app.secretKey).toMatch(/^[0-9a-f]{32}$/);
      const id = String(app.accessId);

      const list = await cli(['--json', 'app', 'list'], env);
      expect(list.json().map((a: { accessId: number }) => a.accessId)).toContain(app.accessId);
      expect((await cli(['app', 'list'], env)).stdout).toMatch(/^accessId\s+name\s+region/);
      expect((await cli(['--json', 'app', 'show', id], env)).json()).toMatchObject({
        secretKey: app.secretKey,
      });

      expect(
        (await cli(['--json', 'attr', 'define', id, 'level', '--description', 'player level'], env)).json(),
      ).toMatchObject({
        name: 'level',
        description: 'player level',
        deviceCount: 0,
      });
      await cli(['attr', 'define', id, 'nickname'], env);
      const creds = { ...env, ATTRD_ACCESS_ID: id, ATTRD_SECRET_KEY: app.secretKey };
      expect(
        (await cli(['--json', 'token', 'set', 'tok', 'level=7', 'nickname=Mia', 'ghost=1'], creds)).json(),
      ).toEqual({
        invalidAttribute: ['ghost'],
      });
      expect((await cli(['token', 'set', 'tok', 'level=8'], creds)).stdout).toBe('ok\n');
      expect((await cli(['--json', 'token', 'get', 'tok'], creds)).json()).toEqual({
        level: '8',
        nickname: 'Mia',
      });
      expect((await cli(['token', 'get', 'tok'], creds)).stdout).toMatch(/level\s+8/);
      expect((await cli(['--basic', '--json', 'token', 'delete', 'tok', 'nickname'], creds)).json()).toEqual({
        invalidAttribute: [],
      });
      expect((await cli(['--json', 'attr', 'list', id], env)).json()).toMatchObject([
        { name: 'level', deviceCount: 1 },
        { name: 'nickname', deviceCount: 0 },
      ]);
      expect((await cli(['--json', 'attr', 'describe', id, 'level', 'the level'], env)).json()).toMatchObject(
        {
          description: 'the level',
        },
      );
      expect((await cli(['--json', 'token', 'clear', 'tok'], creds)).json()).toEqual({
        invalidAttribute: [],
      });
      expect((await cli(['--json', 'token', 'get', 'tok'], creds)).json()).toEqual({});
      expect((await cli(['--json', 'attr', 'delete', id, 'nickname'], env)).json()).toEqual({
        deleted: 'nickname',
      });

      const rotated = await cli(['--json', 'app', 'rotate-secret', id], env);
      const secretKey = rotated.json().secretKey;
      expect(secretKey).not.toBe(app.secretKey);
      const stale = await cli(['token', 'get', 'tok'], creds);
      expect(stale.code).toBe(Exit.apiError);
      expect(stale.stderr).toMatch(/retCode 1008003/);
      expect((await cli(['--secret-key', secretKey, 'token', 'get', 'tok'], creds)).code).toBe(Exit.ok);

      expect((await cli(['--json', 'app', 'delete', id], env)).json()).toEqual({ deleted: app.accessId });
      const gone = await cli(['app', 'show', id], env);
      expect(gone.code).toBe(Exit.apiError);
      expect(gone.stderr).toMatch(/app_not_found \(HTTP 404\)/);
    });

    it('exits 1 with the server’s message on a refused request', async () => {
      const app = (await cli(['--json', 'app', 'create', 'refusals'], env)).json();
      await cli(['attr', 'define', String(app.accessId), 'level'], env);
      const creds = { ...env, ATTRD_ACCESS_ID: String(app.accessId), ATTRD_SECRET_KEY: app.secretKey };
      const long = await cli(['token', 'set', 'tok', `level=${'x'.repeat(51)}`], creds);
      expect(long.code).toBe(Exit.apiError);
      expect(long.stderr).toMatch(/retCode 1008007: .*50 bytes/);
      const bad = await cli(['attr', 'define', String(app.accessId), 'has space'], env);
      expect(bad.code).toBe(Exit.apiError);
      expect(bad.stderr).toMatch(/invalid_request/);
      const wrongAdmin = await cli(['app', 'list'], {
        ...env,
        ATTRD_ADMIN_TOKEN: 'wrong-admin-token-0123456789',
      });
      expect(wrongAdmin.code).toBe(Exit.apiError);
      expect(wrongAdmin.stderr).toMatch(/unauthorized \(HTTP 401\)/);
    });
  });
}

describe('attrd CLI usage and connection errors', () => {
  it('exits 2 on usage errors, with a message', async () => {
    expect((await cli(['app', 'list'])).stderr).toMatch(/admin token is required/);
    expect((await cli(['app', 'list'])).code).toBe(Exit.usage);
    expect((await cli(['token', 'get', 't'], { ATTRD_ADMIN_TOKEN: 'x' })).code).toBe(Exit.usage);
    expect((await cli(['app', 'show', 'abc'], { ATTRD_ADMIN_TOKEN: 'x' })).stderr).toMatch(
      /AccessID is a positive integer/,
    );
    expect((await cli(['nonsense'])).code).toBe(Exit.usage);
    expect(
      (await cli(['token', 'set', 't', 'novalue'], { ATTRD_ACCESS_ID: '1', ATTRD_SECRET_KEY: 's' })).code,
    ).toBe(Exit.usage);
    expect((await cli(['--timeout', '0', 'app', 'list'], { ATTRD_ADMIN_TOKEN: 'x' })).code).toBe(Exit.usage);
    expect((await cli(['--help'])).code).toBe(Exit.ok);
  });

  it('exits 3 when the server is down, after its retries', async () => {
    const port = await freePort();
    const down = await cli(['--retries', '1', 'app', 'list'], {
      ATTRD_URL: `http://127.0.0.1:${port}`,
      ATTRD_ADMIN_TOKEN: 'x',
    });
    expect(down.code).toBe(Exit.connection);
    expect(down.stderr).toMatch(/could not reach .* after 2 attempt/);
  });

  it('is installed as a real command whose exit code tells the outcome', async () => {
    const port = await freePort();
    const down = await attrdCommand(['--retries', '0', 'app', 'list'], {
      ATTRD_URL: `http://127.0.0.1:${port}`,
      ATTRD_ADMIN_TOKEN: 'x',
    });
    expect(down.code).toBe(Exit.connection);
    expect(down.stderr).toMatch(/^attrd: could not reach/);
    const usage = await attrdCommand(['app', 'list'], {});
    expect(usage.code).toBe(Exit.usage);
  });
});

describe('attrd backup and restore (SQLite)', () => {
  it('backs up a store while a server writes to it, and restores it into a working store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attrd-cli-backup-'));
    const database = `sqlite:${join(dir, 'live.db')}`;
    const node = await startAttrd({ ATTRD_DATABASE: database, ATTRD_ADMIN_TOKEN: ADMIN_TOKEN });
    const env = { ATTRD_URL: node.url, ATTRD_ADMIN_TOKEN: ADMIN_TOKEN, ATTRD_DATABASE: database };
    let restored: Awaited<ReturnType<typeof startAttrd>> | undefined;
    try {
      const app = (await cli(['--json', 'app', 'create', 'backed up'], env)).json();
      await cli(['attr', 'define', String(app.accessId), 'level'], env);
      const creds = { ...env, ATTRD_ACCESS_ID: String(app.accessId), ATTRD_SECRET_KEY: app.secretKey };
      await cli(['token', 'set', 'tok', 'level=1'], creds);
      // writes keep going while the backup runs
      let stop = false;
      const writer = (async () => {
        for (let i = 0; i < 200 && !stop; i++) await cli(['token', 'set', `w${i}`, 'level=2'], creds);
      })();
      const backupFile = join(dir, 'copy.db');
      const backup = await cli(['--json', 'backup', backupFile], env);
      stop = true;
      await writer;
      expect(backup.code).toBe(Exit.ok);
      expect(backup.json()).toMatchObject({ path: backupFile, schemaVersion: expect.any(Number) });
      expect((await cli(['backup', backupFile], env)).stderr).toMatch(/exists already/);

      const target = `sqlite:${join(dir, 'restored.db')}`;
      expect((await cli(['restore', backupFile, '--database', target], env)).code).toBe(Exit.ok);
      expect((await cli(['restore', backupFile, '--database', target], env)).code).toBe(Exit.usage);
      expect((await cli(['restore', backupFile, '--database', target, '--yes'], env)).code).toBe(Exit.ok);
      restored = await startAttrd({ ATTRD_DATABASE: target, ATTRD_ADMIN_TOKEN: ADMIN_TOKEN });
      expect(
        (await cli(['--json', 'token', 'get', 'tok'], { ...creds, ATTRD_URL: restored.url })).json(),
      ).toEqual({
        level: '1',
      });
      expect(
        (await cli(['restore', join(dir, 'missing.db'), '--database', `sqlite:${join(dir, 'x.db')}`], env))
          .stderr,
      ).toMatch(/does not exist/);
      expect(
        (await cli(['backup', join(dir, 'pg.db'), '--database', 'postgres://u:secret@h/db'], env)).stderr,
      ).toMatch(/pg_dump/);
    } finally {
      for (const n of [node, restored]) {
        n?.child.kill('SIGTERM');
        await n?.exited;
      }
    }
  });
});
