import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testApp } from './app.fixture.js';
import { openSqliteStore } from './sqlite.js';
import { backupSqlite, restoreSqlite, verifySqliteFile } from './sqlite-backup.js';

const dir = mkdtempSync(join(tmpdir(), 'attrd-backup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const app = testApp;
const set = (token: string, value: string) => ({
  cmd: 1 as const,
  token,
  attributes: [['level', value] as const],
});

describe('SQLite backup and restore', () => {
  it('backs up a store while it serves writes, and restores it', async () => {
    const live = join(dir, 'live.db');
    const store = openSqliteStore({ path: live });
    await store.createApp(app);
    await store.createDefinition(app.accessId, 'level', '', 1);
    for (let i = 0; i < 200; i++) await store.writeAttributes(app.accessId, set(`t${i}`, 'before'));

    // Writes go on while the backup runs; every write acknowledged before it started is in it.
    let writing = true;
    const writer = (async () => {
      let i = 0;
      while (writing && i < 5_000) await store.writeAttributes(app.accessId, set(`during${i++}`, 'during'));
    })();
    const result = await backupSqlite(live, join(dir, 'backup.db'));
    writing = false;
    await writer;
    expect(result.schemaVersion).toBeGreaterThanOrEqual(2);
    expect(result.bytes).toBeGreaterThan(0);

    // Damage the live store's data, then restore the backup over it (server stopped).
    await store.writeAttributes(app.accessId, { cmd: 4, token: 't0' });
    await store.deleteDefinition(app.accessId, 'level');
    await store.close();
    await restoreSqlite(join(dir, 'backup.db'), live);
    const restored = openSqliteStore({ path: live });
    expect(await restored.readAttributes(app.accessId, 't0')).toEqual({ level: 'before' });
    expect(await restored.readAttributes(app.accessId, 't199')).toEqual({ level: 'before' });
    const definition = await restored.getDefinition(app.accessId, 'level');
    const duringCount = definition!.deviceCount - 200;
    expect(duringCount).toBeGreaterThanOrEqual(0);
    // deviceCount agrees with the rows the snapshot holds.
    const rows = restored.db.prepare("SELECT count(*) FROM attributes WHERE name = 'level'").pluck().get();
    expect(rows).toBe(definition!.deviceCount);
    await restored.close();
  });

  it('refuses to overwrite an existing backup file, and to restore something that is not a store', async () => {
    const live = join(dir, 'live2.db');
    (await openSqliteStore({ path: live })).close();
    writeFileSync(join(dir, 'exists.db'), 'x');
    await expect(backupSqlite(live, join(dir, 'exists.db'))).rejects.toThrow(/exists already/);
    writeFileSync(join(dir, 'garbage.db'), 'not a database at all, just text');
    await expect(restoreSqlite(join(dir, 'garbage.db'), live)).rejects.toThrow();
    await expect(restoreSqlite(join(dir, 'missing.db'), live)).rejects.toThrow(/does not exist/);
    expect(verifySqliteFile(live)).toBeGreaterThanOrEqual(2);
  });
});
