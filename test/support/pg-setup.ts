import pg from 'pg';

/**
 * Vitest global setup: makes one throw-away PostgreSQL database for this test run and
 * drops it afterwards. The suites find it in ATTRD_TEST_PG_DB. Without a reachable
 * server the PostgreSQL suites are skipped locally, with a message, and fail under CI.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  const base = process.env.ATTRD_TEST_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `attrd_test_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    await admin.end().catch(() => undefined);
    const why = `PostgreSQL at ${base.replace(/:[^:@/]*@/, ':***@')} is not usable: ${(error as Error).message}`;
    if (process.env.CI === 'true') throw new Error(`${why} (CI=true: PostgreSQL tests must run)`);
    console.warn(`\n*** ${why}\n*** PostgreSQL suites are SKIPPED; set ATTRD_TEST_PG_URL to run them.\n`);
    process.env.ATTRD_TEST_PG_DB = '';
    return undefined;
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  process.env.ATTRD_TEST_PG_DB = url.toString();
  return async () => {
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  };
}
