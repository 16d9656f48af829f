import pg from 'pg';
import { tooManyAttributes } from '../domain/apply.js';
import { limits } from '../domain/limits.js';
import type {
  App,
  AppChanges,
  AttributeMap,
  AuditEntry,
  Definition,
  NewAuditEntry,
} from '../domain/model.js';
import type { DeviceWrite } from '../domain/request.js';
import { postgresMigrations } from './postgres-schema.js';
import { AppChanged, type ImportRow, type Store, type StoreStats, type WriteOutcome } from './store.js';
import { TurnBatcher } from './turn-batch.js';

export interface PostgresOptions {
  /** A postgres:// or postgresql:// connection URL. */
  readonly url: string;
  /** Most connections this node opens. */
  readonly poolSize?: number;
  /** Longest a statement may run, and longest to wait for a connection (milliseconds). */
  readonly statementTimeoutMs?: number;
  /** Called when an idle pooled connection fails (the pool replaces it on demand). */
  readonly onIdleError?: (error: Error) => void;
}

/** Key of the advisory lock that serializes migrations across nodes starting together. */
const MIGRATION_LOCK = 7_310_595_162_341_731n;
/** Most distinct tokens one importAttributes call may carry (each holds a lock). */
export const IMPORT_MAX_TOKENS = 1000;
const MAX_ATTEMPTS = 5;
/**
 * Most writes committed together in one transaction. Chosen when attrd_write's cost per
 * write grew with the batch (migration 3, measured alone: 0.08 ms per write at 32, 0.10
 * at 64, 0.28 at 256): with 512 clients, 9,200 writes/s against 6,900 at 256. Migration
 * 4's grows far less (0.03 ms per write at 64 and 128, 0.04 at 256).
 */
const WRITE_BATCH_MAX = 64;
/** Most write transactions one node runs at once (measured before the rule below: 4 beat 2 and unlimited). */
const WRITE_BATCHES_IN_FLIGHT = 4;
/**
 * Writes that must be waiting before a transaction starts beside one in flight; fewer wait
 * for it and go together after it, sharing one commit (measured on 2 cores at 32
 * connections: Basic writes +9%, the 80/20 mix +16%; no loss at 64 or 128).
 */
const WRITES_FOR_ANOTHER_BATCH = 16;

interface PendingWrite {
  readonly accessId: number;
  readonly write: DeviceWrite;
  /** The app the request was authenticated against, to confirm in the transaction. */
  readonly seen: App | undefined;
  readonly resolve: (outcome: WriteOutcome) => void;
  readonly reject: (error: unknown) => void;
}

interface AppRow {
  access_id: string;
  secret_key: string;
  name: string;
  region: string;
  created_at: string;
  rate_limit: number | null;
}
interface DefinitionRow {
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  device_count: string;
}
interface AuditRow {
  id: string;
  at: string;
  actor: string;
  action: string;
  access_id: string | null;
  detail: string;
}

const toApp = (row: AppRow): App => ({
  accessId: Number(row.access_id),
  secretKey: row.secret_key,
  name: row.name,
  region: row.region,
  createdAt: Number(row.created_at),
  rateLimitPerSecond: row.rate_limit,
});
const toDefinition = (row: DefinitionRow): Definition => ({
  name: row.name,
  description: row.description,
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
  deviceCount: Number(row.device_count),
});
const toAudit = (row: AuditRow): AuditEntry => ({
  id: Number(row.id),
  at: Number(row.at),
  actor: row.actor,
  action: row.action,
  accessId: row.access_id === null ? null : Number(row.access_id),
  detail: JSON.parse(row.detail),
});

const DEFINITION_COLUMNS = 'name, description, created_at, updated_at, device_count';
/** Byte order, as SQLite sorts: the same on every server whatever its locale. */
const BY_NAME = 'name COLLATE "C"';

const sqlState = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
};
/** Serialization failure or deadlock: the server rolled the transaction back; run it again. */
const isRetryable = (error: unknown) => ['40001', '40P01'].includes(sqlState(error) ?? '');
/** The connection itself may be unusable (network, shutdown, cancelled): don't reuse it. */
const isConnectionFault = (error: unknown) => {
  const state = sqlState(error);
  return state === undefined || state.startsWith('08') || state.startsWith('57');
};

/** The lock key that serializes writers of one token, on every node. */
const tokenLockKey = (accessId: number, token: string) => `${accessId}:${token}`;
/** The accessId and token of a tokenLockKey (tokens may hold ':', accessIds cannot). */
const splitTokenKey = (key: string): [number, string] => {
  const colon = key.indexOf(':');
  return [Number(key.slice(0, colon)), key.slice(colon + 1)];
};
/**
 * Writers of an app hold its lock shared; deleting a definition or the app takes it
 * exclusive, so a definition cannot vanish under a write in flight. An advisory lock lives
 * in the lock manager only, where `FOR KEY SHARE` on the definition rows wrote a lock into
 * hot rows on every write (MultiXacts under concurrency). Always taken before token locks.
 */
const appLockKey = (accessId: number) => `app:${accessId}`;
const LOCK_APPS_SHARED =
  'SELECT pg_advisory_xact_lock_shared(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k';
const LOCK_APP = 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))';

/**
 * The device path's statements, prepared once per connection (named), so PostgreSQL
 * parses and plans them once; a write batch is one call of a function of the schema
 * (postgres-schema.ts), whose statements are planned once per connection too. They name
 * their columns: a prepared `SELECT *` would fail once a migration added one.
 */
const WRITE_PATH = {
  // Locks, confirms the apps, applies the writes; a row per outcome.
  write: `SELECT o_write, o_kind, o_name, o_held, o_would FROM attrd_write(
            $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
  // Writes values set and removed and count deltas (imports).
  writeEnd: 'SELECT attrd_write_end($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)',
  apps: `SELECT access_id, secret_key, name, region, created_at, rate_limit FROM apps
         WHERE access_id = ANY($1::bigint[])`,
  // the tokens' attributes ('v', by the token's position in $1 and $2) and, in the same
  // snapshot, their apps ('a')
  tokens: `SELECT 'v'::"char", k.n, a.name, a.value, NULL::integer
           FROM unnest($1::bigint[], $2::text[]) WITH ORDINALITY AS k(id, token, n)
           JOIN attributes a ON a.access_id = k.id AND a.token = k.token
           UNION ALL
           SELECT 'a'::"char", access_id, secret_key, region, rate_limit FROM apps
           WHERE access_id = ANY($3::bigint[])`,
} as const;
// The names change with the texts (v2: the tokens read by position), so that a server
// connection a pooler hands on from a node of another version holds no statement of the
// same name with another text.
const prepared = (key: keyof typeof WRITE_PATH, values: unknown[]) => ({
  name: `attrd_${key}_v2`,
  text: WRITE_PATH[key],
  values,
});

/**
 * A row of the `tokens` read: a token's value ('v': the token's position from 1, name,
 * value) or an app ('a': accessId, secret, region, rate limit). bigint comes as a string.
 */
type ReadRow = [
  kind: string,
  positionOrAccessId: string,
  nameOrSecret: string,
  valueOrRegion: string,
  rateLimit: number | null,
];

/** Whether an app row of the `tokens` read is still the app a request saw. */
const stillAs = (seen: App, row: ReadRow | undefined): boolean =>
  row !== undefined &&
  row[2] === seen.secretKey &&
  row[3] === seen.region &&
  row[4] === seen.rateLimitPerSecond;

/** A batch's outcome for a write whose app is no longer as its request saw it. */
const APP_CHANGED: unique symbol = Symbol('app changed');

/** Most apps a node remembers for peekApp (past it, it starts again from empty). */
const KNOWN_APPS_MAX = 10_000;

/** Connects, migrates (under an advisory lock) and returns a PostgreSQL store. */
export async function openPostgresStore(options: PostgresOptions): Promise<PostgresStore> {
  const timeout = options.statementTimeoutMs ?? 5000;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: timeout,
    statement_timeout: timeout,
    query_timeout: timeout + 1000,
    idleTimeoutMillis: 30_000,
    application_name: 'attrd',
  });
  // An idle connection broke (database restart, terminated backend): the pool drops it
  // and opens a new one on the next request. Without a listener this would crash the node.
  pool.on('error', (error) => options.onIdleError?.(error));
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return new PostgresStore(pool);
}

/** Brings the schema to the newest version this build knows; refuses a newer one. */
export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  let fault: Error | undefined;
  try {
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS attrd_schema (version integer NOT NULL)');
      const rows = (await client.query<{ version: number }>('SELECT version FROM attrd_schema')).rows;
      if (rows.length === 0) await client.query('INSERT INTO attrd_schema (version) VALUES (0)');
      const version = rows[0]?.version ?? 0;
      if (version > postgresMigrations.length) {
        throw new Error(
          `the PostgreSQL store has schema version ${version}, newer than this attrd knows ` +
            `(${postgresMigrations.length}); upgrade attrd or restore a matching backup`,
        );
      }
      for (let v = version; v < postgresMigrations.length; v++) {
        await client.query('BEGIN');
        try {
          await client.query(postgresMigrations[v]!);
          await client.query('UPDATE attrd_schema SET version = $1', [v + 1]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw error;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
      await client.query('RESET statement_timeout');
    }
  } catch (error) {
    if (isConnectionFault(error)) fault = error as Error;
    throw error;
  } finally {
    client.release(fault);
  }
}

/**
 * The shared store: any number of attrd nodes on one database behave as one service.
 * Nothing cached is trusted: apps are remembered for peekApp, but every read and write
 * confirms its request's app in its own statement, so every node honours every committed
 * change on its next request. Writers of one token are serialized by a transaction-scoped
 * advisory lock; writers hold their app's advisory lock shared (so a definition cannot
 * vanish under a write: deleting one takes it exclusive) and counters are changed under
 * row locks taken in (app, name) order (so writers never deadlock each other).
 * Serialization failures and deadlocks are retried from the start.
 */
export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;

  constructor(readonly pool: pg.Pool) {}

  /**
   * Runs `work` in one transaction, again from scratch if the server rolled it back.
   * With `single`, `work` sends one statement, which is a transaction by itself (no BEGIN
   * or COMMIT round trips).
   */
  private async tx<T>(work: (client: pg.PoolClient) => Promise<T>, single = false): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let fault: Error | undefined;
      try {
        if (!single) await client.query('BEGIN');
        const result = await work(client);
        if (!single) await client.query('COMMIT');
        return result;
      } catch (error) {
        if (isConnectionFault(error)) fault = error as Error;
        else if (!single) await client.query('ROLLBACK').catch(() => undefined);
        if (isRetryable(error) && attempt < MAX_ATTEMPTS) continue;
        throw error;
      } finally {
        client.release(fault);
      }
    }
  }

  private pending: PendingWrite[] = [];
  private readonly inFlight = new Set<Promise<void>>();

  /**
   * Queues the write; writes queued together are committed in one transaction (group
   * commit: up to WRITE_BATCH_MAX, those of one turn and those that waited for the
   * transaction in flight), each planned in order against the state the ones before it
   * left. Resolves once that transaction has committed.
   */
  writeAttributes(accessId: number, write: DeviceWrite, seen?: App): Promise<WriteOutcome> {
    if (this.closing) return Promise.reject(new Error('the store is closed'));
    return new Promise((resolve, reject) => {
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(this.flush);
      }
      this.pending.push({ accessId, write, seen, resolve, reject });
    });
  }

  /** Whether a flush is due at the end of this turn (writes may wait while one is in flight). */
  private flushScheduled = false;

  private readonly batchListeners: Array<(size: number) => void> = [];
  onWriteBatch(listener: (size: number) => void): void {
    this.batchListeners.push(listener);
  }

  private readonly flush = (): void => {
    this.flushScheduled = false;
    // Few batches at a time: writes that arrive meanwhile wait and form a larger batch,
    // which costs the database far less per write than many small transactions (each
    // pays a commit's WAL flush). A second one starts only when many writes are waiting.
    const room = () =>
      this.inFlight.size === 0 ||
      (this.inFlight.size < WRITE_BATCHES_IN_FLIGHT && this.pending.length >= WRITES_FOR_ANOTHER_BATCH);
    while (this.pending.length > 0 && room()) {
      const jobs = this.pending.splice(0, WRITE_BATCH_MAX);
      const done = this.tx((c) => this.applyBatch(c, jobs), true).then(
        (outcomes) => {
          for (const listener of this.batchListeners) listener(jobs.length);
          for (const [i, job] of jobs.entries()) {
            const outcome = outcomes[i]!;
            if (outcome === APP_CHANGED) job.reject(new AppChanged(job.accessId));
            else job.resolve(outcome);
          }
        },
        (error) => {
          for (const job of jobs) job.reject(error);
        },
      );
      this.inFlight.add(done);
      void done.finally(() => {
        this.inFlight.delete(done);
        this.flush();
      });
    }
  };

  /**
   * Resolves once every write queued so far has been committed or refused (not waiting
   * for writes queued later, which under load would never end).
   */
  private async drain(): Promise<void> {
    const last = this.pending.at(-1);
    while (last && this.pending.includes(last)) {
      this.flush();
      await Promise.race(this.inFlight);
    }
    await Promise.allSettled([...this.inFlight]);
  }

  /**
   * One batch in one round trip: a call of attrd_write (postgres-schema.ts), prepared once
   * per connection, which as one statement is one transaction. It applies the rules of
   * src/domain/apply.ts in SQL; the store contract suite holds both stores to them. A
   * write whose app is no longer as its request saw it is left out (APP_CHANGED).
   */
  private async applyBatch(
    c: pg.PoolClient,
    jobs: readonly PendingWrite[],
  ): Promise<Array<WriteOutcome | typeof APP_CHANGED>> {
    // Writers of one token are serialized by its advisory lock; taken in one order (sorted
    // keys, as importAttributes does), so batches on different nodes cannot deadlock.
    const keys = [...new Set(jobs.map((job) => tokenLockKey(job.accessId, job.write.token)))].sort();
    const accessIds = [...new Set(jobs.map((job) => job.accessId))].sort((a, b) => a - b);
    // A token's first write in the batch goes in round 0, its second in round 1, …
    const seenTokens = new Map<string, number>();
    const rounds = jobs.map(({ accessId, write }) => {
      const key = tokenLockKey(accessId, write.token);
      const round = seenTokens.get(key) ?? 0;
      seenTokens.set(key, round + 1);
      return round;
    });
    const itemWrite: number[] = [];
    const itemName: string[] = [];
    const itemValue: Array<string | null> = [];
    for (const [i, { write }] of jobs.entries()) {
      const items: ReadonlyArray<readonly [string, string | null]> =
        write.cmd === 3 ? write.names.map((name) => [name, null]) : write.cmd === 4 ? [] : write.attributes;
      for (const [name, value] of items) {
        itemWrite.push(i + 1);
        itemName.push(name);
        itemValue.push(value);
      }
    }
    const result = await c.query<[number, string, string | null, number | null, number | null]>({
      ...prepared('write', [
        [...accessIds.map(appLockKey), ...keys],
        [...accessIds.map(() => true), ...keys.map(() => false)],
        limits.attributesPerToken,
        jobs.map((job) => job.accessId),
        jobs.map((job) => job.write.token),
        jobs.map((job) => job.write.cmd),
        rounds,
        jobs.map((job) => job.seen !== undefined),
        jobs.map((job) => job.seen?.secretKey ?? null),
        jobs.map((job) => job.seen?.region ?? null),
        jobs.map((job) => job.seen?.rateLimitPerSecond ?? null),
        itemWrite,
        itemName,
        itemValue,
      ]),
      rowMode: 'array',
    });
    const outcomes = new Array<WriteOutcome | typeof APP_CHANGED>(jobs.length);
    const invalid = jobs.map((): string[] => []);
    for (const [n, kind, name, held, would] of result.rows) {
      const i = n - 1;
      if (kind === 'i') invalid[i]!.push(name!);
      else if (kind === 'r') outcomes[i] = { ok: false, failure: tooManyAttributes(would!, held!) };
      else if (kind === 'o') outcomes[i] = { ok: true, invalidAttribute: invalid[i]! };
      else {
        outcomes[i] = APP_CHANGED;
        this.known.delete(jobs[i]!.accessId);
      }
    }
    return outcomes;
  }

  /** The reads of one turn: each token's attributes, with its app as of the same snapshot. */
  private readonly reads = new TurnBatcher<string, [AttributeMap, ReadRow | undefined]>(async (keys) => {
    const pairs = keys.map(splitTokenKey);
    const ids = [...new Set(pairs.map(([id]) => id))];
    const rows = await this.pool.query<ReadRow>({
      ...prepared('tokens', [pairs.map(([id]) => id), pairs.map(([, token]) => token), ids]),
      rowMode: 'array',
    });
    const values = keys.map((): Array<[string, string]> => []);
    const apps = new Map<number, ReadRow>();
    for (const row of rows.rows) {
      if (row[0] === 'a') apps.set(Number(row[1]), row);
      else values[Number(row[1]) - 1]!.push([row[2], row[3]]);
    }
    for (const id of ids) this.confirm(id, apps.get(id));
    return new Map(keys.map((key, i) => [key, [Object.fromEntries(values[i]!), apps.get(pairs[i]![0])]]));
  });

  async readAttributes(accessId: number, token: string, seen?: App): Promise<AttributeMap> {
    const [attributes, app] = (await this.reads.load(tokenLockKey(accessId, token)))!;
    if (seen && !stillAs(seen, app)) throw new AppChanged(accessId);
    return attributes;
  }

  // Built here rather than in SQL: json_object_agg moved more CPU into PostgreSQL, on the
  // same cores, than it saved in attrd (measured 2026-11-29: −4 µs in attrd, +5 µs in PostgreSQL).
  async readAttributesJson(accessId: number, token: string, seen?: App): Promise<string> {
    return JSON.stringify(await this.readAttributes(accessId, token, seen));
  }

  async importAttributes(accessId: number, rows: readonly ImportRow[]): Promise<number> {
    // Writes queued before the import commit before it, as on SQLite.
    await this.drain();
    const byToken = new Map<string, Record<string, string>>();
    for (const row of rows) byToken.set(row.token, { ...byToken.get(row.token), ...row.attributes });
    if (byToken.size > IMPORT_MAX_TOKENS) {
      throw new Error(
        `importAttributes takes at most ${IMPORT_MAX_TOKENS} tokens per call, got ${byToken.size}`,
      );
    }
    const tokens = [...byToken.keys()].sort();
    const names = [...new Set([...byToken.values()].flatMap((attrs) => Object.keys(attrs)))];
    if (tokens.length === 0) return 0;
    return this.tx(async (c) => {
      await c.query(LOCK_APPS_SHARED, [[appLockKey(accessId)]]);
      const app = await c.query('SELECT 1 FROM apps WHERE access_id = $1', [accessId]);
      if (app.rowCount === 0) throw new Error(`importAttributes: no app with accessId ${accessId}`);
      const defined = new Set(
        (
          await c.query<{ name: string }>(
            'SELECT name FROM definitions WHERE access_id = $1 AND name = ANY($2::text[])',
            [accessId, names],
          )
        ).rows.map((row) => row.name),
      );
      const undefinedName = names.find((name) => !defined.has(name));
      if (undefinedName !== undefined) {
        throw new Error(`importAttributes: attribute ${JSON.stringify(undefinedName)} is not defined`);
      }
      // The same per-token locks as live writes, in one order, so neither races the other.
      await c.query('SELECT pg_advisory_xact_lock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k', [
        tokens.map((token) => tokenLockKey(accessId, token)),
      ]);
      const held = new Map<string, Set<string>>();
      const existing = await c.query<{ token: string; name: string }>(
        'SELECT token, name FROM attributes WHERE access_id = $1 AND token = ANY($2::text[])',
        [accessId, tokens],
      );
      for (const { token, name } of existing.rows) {
        const set = held.get(token) ?? new Set<string>();
        held.set(token, set.add(name));
      }
      const allTokens: string[] = [];
      const allNames: string[] = [];
      const allValues: string[] = [];
      const deltas = new Map<string, number>();
      for (const token of tokens) {
        const attrs = byToken.get(token)!;
        const has = held.get(token) ?? new Set<string>();
        let count = has.size;
        for (const [name, value] of Object.entries(attrs)) {
          if (!has.has(name)) {
            count++;
            deltas.set(name, (deltas.get(name) ?? 0) + 1);
          }
          allTokens.push(token);
          allNames.push(name);
          allValues.push(value);
        }
        if (count > limits.attributesPerToken) {
          throw new Error(
            `importAttributes: token ${JSON.stringify(token)} would hold ${count} attributes; ` +
              `the limit is ${limits.attributesPerToken}`,
          );
        }
      }
      const counted = [...deltas.keys()];
      await c.query(WRITE_PATH.writeEnd, [
        allTokens.map(() => accessId),
        allTokens,
        allNames,
        allValues,
        [],
        [],
        [],
        counted.map(() => accessId),
        counted,
        [...deltas.values()],
      ]);
      return allTokens.length;
    });
  }

  async createApp(app: App): Promise<boolean> {
    const r = await this.pool.query(
      `INSERT INTO apps (access_id, secret_key, name, region, created_at, rate_limit)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
      [app.accessId, app.secretKey, app.name, app.region, app.createdAt, app.rateLimitPerSecond],
    );
    return r.rowCount === 1;
  }

  /**
   * The apps this node looked up, for device requests to authenticate against without a
   * round trip. Never trusted alone: every read and write confirms its request's app in
   * its own statement (stillAs), so a change made on any node is honoured by the next
   * request, as without it.
   */
  private readonly known = new Map<number, App>();

  peekApp(accessId: number): App | undefined {
    return this.known.get(accessId);
  }

  /** Remembers what a lookup found for `accessId`, or forgets it if nothing was found. */
  private remember(accessId: number, app: App | undefined): void {
    if (!app) this.known.delete(accessId);
    else {
      if (this.known.size >= KNOWN_APPS_MAX && !this.known.has(accessId)) this.known.clear();
      this.known.set(accessId, app);
    }
  }

  /** Forgets a remembered app that a read found changed (row: its app row, if any). */
  private confirm(accessId: number, row: ReadRow | undefined): void {
    const app = this.known.get(accessId);
    if (app && !stillAs(app, row)) this.known.delete(accessId);
  }

  /** The lookups of one turn share one query; what they find is remembered for peekApp. */
  private readonly apps = new TurnBatcher<number, App>(async (ids) => {
    const rows = (await this.pool.query<AppRow>(prepared('apps', [ids]))).rows;
    const found = new Map(rows.map((row) => [Number(row.access_id), toApp(row)]));
    for (const id of ids) this.remember(id, found.get(id));
    return found;
  });

  getApp(accessId: number): Promise<App | undefined> {
    return this.apps.load(accessId);
  }

  async listApps(): Promise<App[]> {
    return (await this.pool.query<AppRow>('SELECT * FROM apps ORDER BY created_at, access_id')).rows.map(
      toApp,
    );
  }

  async setSecret(accessId: number, secretKey: string): Promise<boolean> {
    this.known.delete(accessId);
    const r = await this.pool.query('UPDATE apps SET secret_key = $1 WHERE access_id = $2', [
      secretKey,
      accessId,
    ]);
    return r.rowCount === 1;
  }

  async updateApp(accessId: number, changes: AppChanges): Promise<App | undefined> {
    this.known.delete(accessId);
    const row = (
      await this.pool.query<AppRow>(
        `UPDATE apps SET name = coalesce($1, name),
                rate_limit = CASE WHEN $2 THEN $3::integer ELSE rate_limit END
         WHERE access_id = $4 RETURNING *`,
        [
          changes.name ?? null,
          changes.rateLimitPerSecond !== undefined,
          changes.rateLimitPerSecond ?? null,
          accessId,
        ],
      )
    ).rows[0];
    return row && toApp(row);
  }

  async deleteApp(accessId: number): Promise<boolean> {
    this.known.delete(accessId);
    // The app's lock first (writes in flight finish, later ones wait and then find no
    // definitions); the app row (its lock makes new definitions wait); then the
    // definitions; then every value, including those just written.
    return this.tx(async (c) => {
      await c.query(LOCK_APP, [appLockKey(accessId)]);
      const gone = await c.query('DELETE FROM apps WHERE access_id = $1', [accessId]);
      await c.query('DELETE FROM definitions WHERE access_id = $1', [accessId]);
      await c.query('DELETE FROM attributes WHERE access_id = $1', [accessId]);
      return gone.rowCount === 1;
    });
  }

  async createDefinition(
    accessId: number,
    name: string,
    description: string,
    now: number,
  ): Promise<Definition | 'exists' | 'no-app'> {
    return this.tx(async (c): Promise<Definition | 'exists' | 'no-app'> => {
      const app = await c.query('SELECT 1 FROM apps WHERE access_id = $1 FOR KEY SHARE', [accessId]);
      if (app.rowCount === 0) return 'no-app';
      const row = (
        await c.query<DefinitionRow>(
          `INSERT INTO definitions (access_id, name, description, created_at, updated_at, device_count)
           VALUES ($1, $2, $3, $4, $4, 0) ON CONFLICT DO NOTHING RETURNING ${DEFINITION_COLUMNS}`,
          [accessId, name, description, now],
        )
      ).rows[0];
      return row ? toDefinition(row) : 'exists';
    });
  }

  async listDefinitions(accessId: number): Promise<Definition[] | undefined> {
    const r = await this.pool.query<DefinitionRow & { app: number | null }>(
      `SELECT 1 AS app, d.name, d.description, d.created_at, d.updated_at, d.device_count
       FROM apps a LEFT JOIN definitions d ON d.access_id = a.access_id
       WHERE a.access_id = $1 ORDER BY d.${BY_NAME}`,
      [accessId],
    );
    if (r.rows.length === 0) return undefined;
    return r.rows.filter((row) => row.name !== null).map(toDefinition);
  }

  async getDefinition(accessId: number, name: string): Promise<Definition | undefined> {
    const row = (
      await this.pool.query<DefinitionRow>(
        `SELECT ${DEFINITION_COLUMNS} FROM definitions WHERE access_id = $1 AND name = $2`,
        [accessId, name],
      )
    ).rows[0];
    return row && toDefinition(row);
  }

  async describeDefinition(
    accessId: number,
    name: string,
    description: string,
    now: number,
  ): Promise<Definition | undefined> {
    const row = (
      await this.pool.query<DefinitionRow>(
        `UPDATE definitions SET description = $1, updated_at = $2 WHERE access_id = $3 AND name = $4
         RETURNING ${DEFINITION_COLUMNS}`,
        [description, now, accessId, name],
      )
    ).rows[0];
    return row && toDefinition(row);
  }

  async deleteDefinition(accessId: number, name: string): Promise<boolean> {
    // The app's lock, exclusive, waits for the writes in flight; the values they added are
    // committed, and seen, by the time the statements below run.
    return this.tx(async (c) => {
      await c.query(LOCK_APP, [appLockKey(accessId)]);
      const gone = await c.query('DELETE FROM definitions WHERE access_id = $1 AND name = $2', [
        accessId,
        name,
      ]);
      if (gone.rowCount === 0) return false;
      await c.query('DELETE FROM attributes WHERE access_id = $1 AND name = $2', [accessId, name]);
      return true;
    });
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    await this.pool.query(
      'INSERT INTO audit_log (at, actor, action, access_id, detail) VALUES ($1, $2, $3, $4, $5)',
      [entry.at, entry.actor, entry.action, entry.accessId, JSON.stringify(entry.detail)],
    );
  }

  async listAudit(limit: number, beforeId?: number): Promise<AuditEntry[]> {
    const r = await this.pool.query<AuditRow>(
      'SELECT * FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2',
      [beforeId ?? Number.MAX_SAFE_INTEGER, limit],
    );
    return r.rows.map(toAudit);
  }

  async getSetting(key: string): Promise<string | undefined> {
    const r = await this.pool.query<{ value: string }>('SELECT value FROM settings WHERE key = $1', [key]);
    return r.rows[0]?.value;
  }

  async initSetting(key: string, value: string): Promise<boolean> {
    const r = await this.pool.query(
      'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT DO NOTHING',
      [key, value],
    );
    return r.rowCount === 1;
  }

  async putSetting(key: string, value: string): Promise<void> {
    await this.pool.query(
      'INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  stats(): StoreStats {
    return {
      pool: { total: this.pool.totalCount, idle: this.pool.idleCount, waiting: this.pool.waitingCount },
    };
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  private closing: Promise<void> | undefined;
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.drain();
      await this.pool.end();
    })();
    return this.closing;
  }
}
