import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { freshPgUrl, testPgDatabase } from '../../test/support/stores.js';
import { testApp } from './app.fixture.js';
import { openPostgresStore } from './postgres.js';
import { postgresMigrations } from './postgres-schema.js';
import { runStoreContract } from './store.contract.js';

if (testPgDatabase) {
  runStoreContract('postgres', async () => openPostgresStore({ url: await freshPgUrl(), poolSize: 4 }));

  describe('PostgreSQL migrations', () => {
    it('bring a store made at schema version 3 to the newest, its data kept', async () => {
      const url = await freshPgUrl();
      const pool = new pg.Pool({ connectionString: url, max: 1 });
      try {
        // A store as attrd left it at schema version 3 (before attrd_write was replaced).
        await pool.query('CREATE TABLE attrd_schema (version integer NOT NULL)');
        for (const migration of postgresMigrations.slice(0, 3)) await pool.query(migration);
        await pool.query('INSERT INTO attrd_schema (version) VALUES (3)');
        await pool.query('INSERT INTO apps VALUES ($1, $2, $3, $4, 0, NULL)', [
          testApp.accessId,
          testApp.secretKey,
          testApp.name,
          testApp.region,
        ]);
        await pool.query("INSERT INTO definitions VALUES ($1, 'level', '', 0, 0, 1)", [testApp.accessId]);
        await pool.query("INSERT INTO attributes VALUES ($1, 't', 'level', '0')", [testApp.accessId]);
        const store = await openPostgresStore({ url, poolSize: 2 });
        try {
          const [{ version }] = (await pool.query('SELECT version FROM attrd_schema')).rows;
          expect(version).toBe(postgresMigrations.length);
          const [{ def }] = (await pool.query("SELECT pg_get_functiondef('attrd_write'::regproc) AS def"))
            .rows;
          expect(def).toContain('GROUP BY u.n');
          expect(await store.readAttributes(testApp.accessId, 't')).toEqual({ level: '0' });
          const set = (value: string) =>
            store.writeAttributes(testApp.accessId, { cmd: 1, token: 't', attributes: [['level', value]] });
          expect(await Promise.all([set('1'), set('2')])).toEqual([
            { ok: true, invalidAttribute: [] },
            { ok: true, invalidAttribute: [] },
          ]);
          expect(await store.readAttributes(testApp.accessId, 't')).toEqual({ level: '2' });
          expect((await store.listDefinitions(testApp.accessId))![0]!.deviceCount).toBe(1);
        } finally {
          await store.close();
        }
      } finally {
        await pool.end();
      }
    });
  });
} else {
  describe.skip('Store contract: postgres (no PostgreSQL server reachable; see test/support/pg-setup.ts)', () => {
    it('runs against a real server', () => {});
  });
}
