import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { App } from '../domain/model.js';
import { testApp } from './app.fixture.js';
import { openSqliteStore } from './sqlite.js';
import { Checkpointer, WAL_LIMIT_PAGES } from './sqlite-checkpoint.js';

const dir = mkdtempSync(join(tmpdir(), 'attrd-sqlite-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const app: App = { ...testApp, secretKey: 'first-secret' };

describe('SQLite caches of apps and definitions', () => {
  it('honours its own changes at once', async () => {
    const store = openSqliteStore({ path: join(dir, 'own.db') });
    await store.createApp(app);
    expect((await store.getApp(app.accessId))?.secretKey).toBe('first-secret');
    await store.setSecret(app.accessId, 'second-secret');
    expect((await store.getApp(app.accessId))?.secretKey).toBe('second-secret');
    await store.updateApp(app.accessId, { rateLimitPerSecond: 3 });
    expect((await store.getApp(app.accessId))?.rateLimitPerSecond).toBe(3);
    await store.createDefinition(app.accessId, 'a', '', 1);
    expect(
      await store.writeAttributes(app.accessId, { cmd: 1, token: 't', attributes: [['a', '1']] }),
    ).toEqual({
      ok: true,
      invalidAttribute: [],
    });
    await store.deleteDefinition(app.accessId, 'a');
    expect(
      await store.writeAttributes(app.accessId, { cmd: 1, token: 't', attributes: [['a', '2']] }),
    ).toEqual({
      ok: true,
      invalidAttribute: ['a'],
    });
    await store.deleteApp(app.accessId);
    expect(await store.getApp(app.accessId)).toBeUndefined();
    await store.close();
  });

  it('notices another connection’s commits: on the next turn for reads, at once for writes', async () => {
    const path = join(dir, 'other.db');
    const serving = openSqliteStore({ path });
    await serving.createApp(app);
    await serving.createDefinition(app.accessId, 'a', '', 1);
    await serving.createDefinition(app.accessId, 'b', '', 1);
    expect((await serving.getApp(app.accessId))?.secretKey).toBe('first-secret');
    await serving.writeAttributes(app.accessId, { cmd: 1, token: 't', attributes: [['a', '1']] });

    const other = openSqliteStore({ path, backgroundCheckpoint: false });
    await other.setSecret(app.accessId, 'rotated-elsewhere');
    await other.deleteDefinition(app.accessId, 'b');
    await other.close();

    // A write in the same turn still sees the deletion: writes always check.
    expect(
      await serving.writeAttributes(app.accessId, { cmd: 1, token: 't', attributes: [['b', '1']] }),
    ).toEqual({ ok: true, invalidAttribute: ['b'] });
    await nextTurn();
    expect((await serving.getApp(app.accessId))?.secretKey).toBe('rotated-elsewhere');
    await serving.close();
  });

  it('does not cache unknown apps, so made-up ids cannot grow memory', async () => {
    const store = openSqliteStore({ path: join(dir, 'unknown.db') });
    for (let id = 1; id <= 1000; id++) expect(await store.getApp(id)).toBeUndefined();
    expect((store as unknown as { apps: Map<number, App> }).apps.size).toBe(0);
    await store.close();
  });
});

describe('SQLite reads sharing a transaction per event-loop turn', () => {
  const setUp = async (name: string) => {
    const path = join(dir, name);
    const store = openSqliteStore({ path });
    await store.createApp(app);
    await store.createDefinition(app.accessId, 'a', '', 1);
    await store.createDefinition(app.accessId, 'b', '', 1);
    await store.writeAttributes(app.accessId, {
      cmd: 1,
      token: 't',
      attributes: [
        ['a', '1'],
        ['b', '1'],
      ],
    });
    await nextTurn();
    const peek = new Database(path, { readonly: true });
    const committed = () =>
      peek.prepare('SELECT name, value FROM attributes WHERE token = ? ORDER BY name').raw().all('t');
    return { store, peek, committed };
  };

  it('commits an admin change before answering it, though a read began the turn', async () => {
    const { store, peek, committed } = await setUp('turn-admin.db');
    expect(await store.readAttributes(app.accessId, 't')).toEqual({ a: '1', b: '1' });
    expect(await store.deleteDefinition(app.accessId, 'b')).toBe(true);
    // still the same turn: another connection already sees the deletion, so it is committed
    expect(committed()).toEqual([['a', '1']]);
    expect(await store.readAttributes(app.accessId, 't')).toEqual({ a: '1' });
    peek.close();
    await store.close();
  });

  it('commits device writes before answering them, though a read began the turn', async () => {
    const { store, peek, committed } = await setUp('turn-device.db');
    const written = store.writeAttributes(app.accessId, { cmd: 1, token: 't', attributes: [['a', '2']] });
    // this read opens the turn's read transaction after the write was queued
    expect(await store.readAttributes(app.accessId, 't')).toEqual({ a: '1', b: '1' });
    expect(await written).toEqual({ ok: true, invalidAttribute: [] });
    expect(committed()).toEqual([
      ['a', '2'],
      ['b', '1'],
    ]);
    expect(await store.readAttributes(app.accessId, 't')).toEqual({ a: '2', b: '1' });
    peek.close();
    await store.close();
  });

  it('sees another connection’s commit from the next turn on', async () => {
    const { store, peek } = await setUp('turn-other.db');
    expect(await store.readAttributes(app.accessId, 't')).toEqual({ a: '1', b: '1' });
    const other = new Database(join(dir, 'turn-other.db'));
    other.prepare("UPDATE attributes SET value = 'elsewhere' WHERE name = 'a'").run();
    other.close();
    expect(await store.readAttributes(app.accessId, 't')).toEqual({ a: '1', b: '1' });
    await nextTurn();
    expect(await store.readAttributes(app.accessId, 't')).toEqual({ a: 'elsewhere', b: '1' });
    peek.close();
    await store.close();
  });
});

describe('SQLite background checkpoints', () => {
  /** A connection that writes to the WAL and leaves checkpoints to the Checkpointer. */
  const walWriter = (path: string) => {
    const db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.pragma('journal_size_limit = 0'); // cut the file right back when the WAL starts over
    return db;
  };

  const fill = async (path: string, rows: number) => {
    const store = openSqliteStore({ path });
    await store.createApp(app);
    await store.createDefinition(app.accessId, 'a', '', 1);
    const writes = [];
    for (let i = 0; i < rows; i++) {
      writes.push(
        store.writeAttributes(app.accessId, { cmd: 1, token: `t${i}`, attributes: [['a', 'x'.repeat(200)]] }),
      );
    }
    await Promise.all(writes);
    return store;
  };

  it('copies the WAL into the database file off the event loop, and close leaves no WAL', async () => {
    const path = join(dir, 'checkpoint.db');
    const store = await fill(path, 5000);
    const inFile = () => statSync(path).size;
    const before = inFile();
    // a checkpoint writes the file page by page: wait for all of it, not for its first page
    const copied = () => inFile() > before + 5000 * 200;
    for (let i = 0; i < 250 && !copied(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(inFile()).toBeGreaterThan(before + 5000 * 200);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const raw = new Database(path, { readonly: true });
    expect(raw.prepare('SELECT count(*) AS n FROM attributes').get()).toEqual({ n: 5000 });
    raw.close();
  });

  it('lets the WAL start over past its limit, the next write cutting the file back, nothing lost', async () => {
    const path = join(dir, 'restart.db');
    const store = await fill(path, 10);
    await store.close();
    const db = walWriter(path);
    const checkpointer = new Checkpointer({ path, intervalMs: 10, restartPages: 1, onFailure: () => {} });
    db.exec('CREATE TABLE filler (x TEXT)');
    const insert = db.prepare('INSERT INTO filler VALUES (?)');
    for (let i = 0; i < 200; i++) insert.run('y'.repeat(1000));
    const walBytes = () => statSync(`${path}-wal`).size;
    expect(walBytes()).toBeGreaterThan(100_000);
    // Once the checkpointer has copied every frame and let the WAL start over, a write
    // goes to its beginning and the file is cut back to that write's frames.
    let more = 0;
    for (; more < 100 && walBytes() > 20_000; more++) {
      await new Promise((r) => setTimeout(r, 20));
      insert.run('z');
    }
    expect(walBytes()).toBeLessThan(20_000);
    expect(db.prepare('SELECT count(*) AS n FROM filler').get()).toEqual({ n: 200 + more });
    await checkpointer.stop();
    db.close();
  });

  it('keeps the WAL bounded under steady writes, which passive checkpoints alone do not', async () => {
    const path = join(dir, 'steady.db');
    const db = walWriter(path);
    db.exec('CREATE TABLE filler (k INTEGER PRIMARY KEY, x TEXT)');
    const checkpointer = new Checkpointer({ path, intervalMs: 5, restartPages: 100, onFailure: () => {} });
    const put = db.prepare('INSERT OR REPLACE INTO filler VALUES (?, ?)');
    const writes = 20_000;
    for (let i = 0; i < writes; i++) {
      put.run(i % 5000, 'y'.repeat(500));
      // let the worker's messages and timers run now and then, as a server's loop does
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    // Each write appends at least a page: without start-overs the WAL would hold them all
    // (measured: 867 MB after 1.5 s of such writes, against 3 MB with them).
    const everyWrite = writes * 4096;
    expect(statSync(`${path}-wal`).size).toBeLessThan(everyWrite / 4);
    expect(db.prepare('SELECT count(*) AS n FROM filler').get()).toEqual({ n: 5000 });
    await checkpointer.stop();
    db.close();
  });

  it('limits the WAL file of the serving connection', async () => {
    const store = await fill(join(dir, 'limit.db'), 1);
    expect(store.db.pragma('journal_size_limit', { simple: true })).toBe(WAL_LIMIT_PAGES * 4096);
    await store.close();
  });

  it('reports a worker that cannot start, so the store falls back to automatic checkpoints', async () => {
    const failure = await new Promise<Error>((resolve) => {
      new Checkpointer({ path: join(dir, 'absent', 'none.db'), onFailure: resolve });
    });
    expect(failure.message).toMatch(/unable to open|exited|directory does not exist|SQLITE_CANTOPEN/i);
  });
});
