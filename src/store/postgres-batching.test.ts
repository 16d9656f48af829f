import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshPgUrl, testPgDatabase } from '../../test/support/stores.js';
import type { App } from '../domain/model.js';
import { openPostgresStore, type PostgresStore } from './postgres.js';

/**
 * How PostgreSQL write batches are scheduled: while a transaction is in flight, a few
 * writes wait for it and then go together (one commit instead of several); many waiting
 * writes start another transaction beside it.
 */
const app: App = {
  accessId: 1_500_000_002,
  secretKey: '0f1e2d3c4b5a69788796a5b4c3d2e1f0',
  name: 'batching',
  region: 'default',
  createdAt: 1_700_000_000_000,
  rateLimitPerSecond: null,
};
const write = (store: PostgresStore, token: string) =>
  store.writeAttributes(app.accessId, { cmd: 1, token, attributes: [['level', token]] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!testPgDatabase)('PostgreSQL: write batches while one is in flight', () => {
  let url: string;
  let store: PostgresStore;
  let blocker: pg.Client;
  let peek: pg.Client;

  beforeEach(async () => {
    url = await freshPgUrl();
    store = await openPostgresStore({ url, poolSize: 6 });
    await store.createApp(app);
    await store.createDefinition(app.accessId, 'level', '', 1);
    blocker = new pg.Client({ connectionString: url });
    peek = new pg.Client({ connectionString: url });
    await Promise.all([blocker.connect(), peek.connect()]);
  });
  afterEach(async () => {
    await blocker.end();
    await peek.end();
    await store.close();
  });

  /**
   * Holds token t0's write lock (the key the store locks) from another connection, then
   * writes t0: that batch stays in flight, waiting, until `blocker` commits.
   */
  const blockedFirstWrite = async () => {
    await blocker.query('BEGIN');
    await blocker.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`${app.accessId}:t0`]);
    let done = false;
    const outcome = write(store, 't0').finally(() => {
      done = true;
    });
    await sleep(100);
    return { outcome, done: () => done };
  };
  const committed = async (tokens: string[]) =>
    Number(
      (
        await peek.query('SELECT count(*) AS n FROM attributes WHERE access_id = $1 AND token = ANY($2)', [
          app.accessId,
          tokens,
        ])
      ).rows[0].n,
    );

  it('lets a few writes wait for the transaction in flight, and starts another for many', async () => {
    const first = await blockedFirstWrite();

    const few = ['t1', 't2', 't3', 't4', 't5'];
    const fewDone = Promise.all(few.map((t) => write(store, t)));
    await sleep(300);
    expect(await committed(few)).toBe(0); // waiting behind the transaction in flight

    const many = Array.from({ length: 20 }, (_, i) => `u${i}`);
    const manyDone = Promise.all(many.map((t) => write(store, t)));
    await Promise.all([fewDone, manyDone]); // a second transaction took all 25
    expect(await committed([...few, ...many])).toBe(25);
    expect(first.done()).toBe(false);

    await blocker.query('COMMIT');
    expect(await first.outcome).toEqual({ ok: true, invalidAttribute: [] });
    expect(await committed(['t0'])).toBe(1);
  });

  it('commits the writes that waited once the transaction in flight is done', async () => {
    const first = await blockedFirstWrite();
    const few = ['t1', 't2', 't3'];
    const sizes: number[] = [];
    store.onWriteBatch((size) => sizes.push(size));
    const fewDone = Promise.all(few.map((t) => write(store, t)));
    await sleep(200);
    expect(await committed(few)).toBe(0);
    await blocker.query('COMMIT');
    await Promise.all([first.outcome, fewDone]);
    expect(await committed(['t0', ...few])).toBe(4);
    expect(sizes).toEqual([1, 3]); // one commit for the three that waited
  });
});
