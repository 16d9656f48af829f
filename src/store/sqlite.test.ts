import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { testApp } from './app.fixture.js';
import { openStore } from './open.js';
import { openSqliteStore, type SqliteOptions, type SqliteStore } from './sqlite.js';
import { runStoreContract } from './store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'attrd-sqlite-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

runStoreContract('sqlite', async () => openSqliteStore({ path: join(dir, `contract-${n++}.db`) }));

/** A store at `options.path` with the test app and its attribute `level`. */
async function openWithLevel(options: SqliteOptions) {
  const store = openSqliteStore(options);
  await store.createApp(testApp);
  await store.createDefinition(testApp.accessId, 'level', '', 1);
  return store;
}

describe('SQLite specifics', () => {
  it('keeps acknowledged writes across a reopen of the file', async () => {
    const path = join(dir, 'reopen.db');
    const store = await openWithLevel({ path });
    await store.writeAttributes(1500000001, { cmd: 1, token: 't', attributes: [['level', '7']] });
    await store.close();
    const again = openSqliteStore({ path });
    expect(await again.readAttributes(1500000001, 't')).toEqual({ level: '7' });
    await again.close();
  });

  it('gives SQLite the page cache it is configured with, 64 MiB by default', async () => {
    const byDefault = openSqliteStore({ path: join(dir, 'cache-default.db') });
    const large = openSqliteStore({ path: join(dir, 'cache-large.db'), cacheMiB: 1024 });
    expect(byDefault.db.pragma('cache_size', { simple: true })).toBe(-64 * 1024);
    expect(large.db.pragma('cache_size', { simple: true })).toBe(-1024 * 1024);
    const env = { ATTRD_DATABASE: `sqlite:${join(dir, 'cache-env.db')}`, ATTRD_SQLITE_CACHE_MIB: '8' };
    const configured = (await openStore(loadConfig(env))) as SqliteStore;
    expect(configured.db.pragma('cache_size', { simple: true })).toBe(-8 * 1024);
    await Promise.all([byDefault.close(), large.close(), configured.close()]);
  });

  it('refuses to open a store with a newer schema, naming both versions', () => {
    const path = join(dir, 'newer.db');
    openSqliteStore({ path }).close();
    const raw = new Database(path);
    raw.pragma('user_version = 99');
    raw.close();
    expect(() => openSqliteStore({ path })).toThrow(/schema version 99, newer than this attrd knows/);
  });

  it('rejects every write of a batch whose commit fails, and applies none', async () => {
    const store = await openWithLevel({ path: join(dir, 'failing.db') });
    // A trigger that aborts the whole statement stands in for a store failure (disk I/O, full disk).
    store.db.exec(
      "CREATE TRIGGER boom BEFORE INSERT ON attributes WHEN NEW.value = 'boom' BEGIN SELECT RAISE(ABORT, 'boom'); END",
    );
    const good = store.writeAttributes(1500000001, { cmd: 1, token: 'ok', attributes: [['level', '1']] });
    const bad = store.writeAttributes(1500000001, { cmd: 1, token: 'bad', attributes: [['level', 'boom']] });
    await expect(good).resolves.toEqual({ ok: true, invalidAttribute: [] });
    await expect(bad).rejects.toThrow(/boom/);
    expect(await store.readAttributes(1500000001, 'bad')).toEqual({});
    expect((await store.getDefinition(1500000001, 'level'))?.deviceCount).toBe(1);
    await store.close();
  });

  const lockedStore = async (name: string, busyRetryMs: number) => {
    const path = join(dir, name);
    const store = await openWithLevel({ path, busyTimeoutMs: 20, busyRetryMs, backgroundCheckpoint: false });
    // Another connection holds the write lock, as the checkpoint worker or a backup can.
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    return { store, other };
  };

  it('retries writes while another connection holds the lock, in the order they came', async () => {
    const { store, other } = await lockedStore('locked.db', 10_000);
    const first = store.writeAttributes(1500000001, { cmd: 1, token: 't', attributes: [['level', '1']] });
    await new Promise((r) => setTimeout(r, 100)); // the first batch has met the lock by now
    const second = store.writeAttributes(1500000001, { cmd: 1, token: 't', attributes: [['level', '2']] });
    setTimeout(() => other.exec('COMMIT'), 200);
    await expect(first).resolves.toEqual({ ok: true, invalidAttribute: [] });
    await expect(second).resolves.toEqual({ ok: true, invalidAttribute: [] });
    expect(await store.readAttributes(1500000001, 't')).toEqual({ level: '2' });
    expect((await store.getDefinition(1500000001, 'level'))?.deviceCount).toBe(1);
    other.close();
    await store.close();
  });

  it('fails the writes, changing nothing, when the lock outlasts the retry time', async () => {
    const { store, other } = await lockedStore('locked-long.db', 150);
    const write = store.writeAttributes(1500000001, { cmd: 1, token: 't', attributes: [['level', '1']] });
    await expect(write).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    other.exec('COMMIT');
    other.close();
    expect(await store.readAttributes(1500000001, 't')).toEqual({});
    expect((await store.getDefinition(1500000001, 'level'))?.deviceCount).toBe(0);
    await store.close();
  });

  it('retries admin changes while another connection holds the lock', async () => {
    const { store, other } = await lockedStore('locked-admin.db', 10_000);
    expect(await store.getApp(1500000001)).toMatchObject({ name: 'n' }); // cached now
    const renamed = store.updateApp(1500000001, { name: 'renamed' });
    const defined = store.createDefinition(1500000001, 'tier', '', 2);
    setTimeout(() => other.exec('COMMIT'), 150);
    expect(await renamed).toMatchObject({ name: 'renamed' });
    expect(await defined).toMatchObject({ name: 'tier', deviceCount: 0 });
    expect(await store.getApp(1500000001)).toMatchObject({ name: 'renamed' });
    other.close();
    await store.close();
  });

  it('closes only after writes queued behind a lock are committed', async () => {
    const { store, other } = await lockedStore('locked-close.db', 10_000);
    const write = store.writeAttributes(1500000001, { cmd: 1, token: 't', attributes: [['level', '1']] });
    setTimeout(() => other.exec('COMMIT'), 150);
    await store.close();
    await expect(write).resolves.toEqual({ ok: true, invalidAttribute: [] });
    other.close();
    const again = openSqliteStore({ path: join(dir, 'locked-close.db') });
    expect(await again.readAttributes(1500000001, 't')).toEqual({ level: '1' });
    await again.close();
  });
});
