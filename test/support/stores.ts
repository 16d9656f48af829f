import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';

/** A kind of store the end-to-end suites run against. */
export interface StoreKind {
  readonly name: string;
  /** A fresh, empty store. */
  open(): Promise<Store>;
  /** Optional: an ATTRD_DATABASE value naming a fresh, empty store, for a child attrd process. */
  childDatabase?(): Promise<string>;
}

let counter = 0;
const sqliteDir = mkdtempSync(join(tmpdir(), 'attrd-e2e-'));

export const sqliteKind: StoreKind = {
  name: 'sqlite',
  open: async () => openSqliteStore({ path: join(sqliteDir, `e2e-${process.pid}-${counter++}.db`) }),
  childDatabase: async () => `sqlite:${join(sqliteDir, `child-${process.pid}-${counter++}.db`)}`,
};

/** This run's throw-away PostgreSQL database (test/support/pg-setup.ts), or '' if none. */
export const testPgDatabase = process.env.ATTRD_TEST_PG_DB ?? '';

/**
 * A URL of a fresh, empty PostgreSQL store: a new schema in this run's database, made the
 * connection's search_path, so every test gets its own tables without a CREATE DATABASE.
 */
export async function freshPgUrl(): Promise<string> {
  const schema = `s_${process.pid}_${counter++}`;
  const client = new pg.Client({ connectionString: testPgDatabase });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await client.end();
  }
  const url = new URL(testPgDatabase);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

export const postgresKind: StoreKind = {
  name: 'postgres',
  open: async () => openPostgresStore({ url: await freshPgUrl(), poolSize: 4 }),
  childDatabase: freshPgUrl,
};

/** Every store the suites must pass on (PostgreSQL when a test server is reachable). */
export function storeKinds(): StoreKind[] {
  return testPgDatabase ? [sqliteKind, postgresKind] : [sqliteKind];
}
