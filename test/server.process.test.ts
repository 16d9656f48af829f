import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runAttrdToExit, startAttrd } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'attrd-proc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('attrd as a process', () => {
  it('generates an admin token once, stores only its hash, and keeps it across restarts', async () => {
    const database = `sqlite:${join(dir, 'bootstrap.db')}`;
    const first = await startAttrd({ ATTRD_DATABASE: database });
    const token = /attrd_[A-Za-z0-9_-]{43}/.exec(first.output())?.[0];
    expect(token).toBeDefined();
    const ok = await fetch(`${first.url}/admin/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const { default: Database } = await import('better-sqlite3');
    const db = new Database(join(dir, 'bootstrap.db'), { readonly: true });
    const stored = db.prepare('SELECT value FROM settings').pluck().all() as string[];
    db.close();
    expect(stored.join()).not.toContain(token!);
    expect(stored[0]).toMatch(/^[0-9a-f]{64}$/);

    const second = await startAttrd({ ATTRD_DATABASE: database });
    expect(second.output()).not.toMatch(/attrd_[A-Za-z0-9_-]{43}/);
    const again = await fetch(`${second.url}/admin/v1/apps`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(again.status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });

  it('uses ATTRD_ADMIN_TOKEN when set, and prints no token', async () => {
    const server = await startAttrd({
      ATTRD_DATABASE: `sqlite:${join(dir, 'env-token.db')}`,
      ATTRD_ADMIN_TOKEN: 'env-admin-token-0123456789',
    });
    expect(server.output()).not.toMatch(/attrd_/);
    const ok = await fetch(`${server.url}/admin/v1/apps`, {
      headers: { authorization: 'Bearer env-admin-token-0123456789' },
    });
    expect(ok.status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('exits 2 with a message naming the variable on bad configuration', async () => {
    const { code, output } = await runAttrdToExit({ ATTRD_PORT: 'eighty' });
    expect(code).toBe(2);
    expect(output).toMatch(/ATTRD_PORT must be an integer/);
  });

  it('exits 1 with a clear message when the store cannot be opened', async () => {
    writeFileSync(join(dir, 'a-file'), 'not a directory');
    const { code, output } = await runAttrdToExit({
      ATTRD_DATABASE: `sqlite:${join(dir, 'a-file', 'x.db')}`,
      ATTRD_PORT: '0',
    });
    expect(code).toBe(1);
    expect(output).toMatch(/could not start/);
  });

  it('encrypts secrets at rest with ATTRD_SECRET_KEYS and refuses to start without the key', async () => {
    const database = `sqlite:${join(dir, 'encrypted.db')}`;
    const keys = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
    const env = {
      ATTRD_DATABASE: database,
      ATTRD_ADMIN_TOKEN: 'env-admin-token-0123456789',
      ATTRD_SECRET_KEYS: keys,
    };
    const server = await startAttrd(env);
    const headers = {
      authorization: 'Bearer env-admin-token-0123456789',
      'content-type': 'application/json',
    };
    const created = (await (
      await fetch(`${server.url}/admin/v1/apps`, { method: 'POST', headers, body: '{"name":"x"}' })
    ).json()) as any;
    const query = await fetch(`${server.url}/v3/device/set_custom_attribute`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${created.accessId}:${created.secretKey}`).toString('base64')}`,
      },
      body: '{"cmd":5,"token":"t"}',
    });
    expect(((await query.json()) as any).retCode).toBe(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const { ATTRD_SECRET_KEYS: _, ...withoutKeys } = env;
    const refused = await runAttrdToExit({ ...withoutKeys, ATTRD_PORT: '0' });
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/encrypted at rest .*set ATTRD_SECRET_KEYS/);
  });
});
