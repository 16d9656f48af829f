import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { planWrite } from '../domain/apply.js';
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
import { Checkpointer, WAL_LIMIT_PAGES } from './sqlite-checkpoint.js';
import { sqliteMigrations } from './sqlite-schema.js';
import type { ImportRow, Store, WriteOutcome } from './store.js';

export interface SqliteOptions {
  /** File path, or ':memory:'. */
  readonly path: string;
  /** `normal` survives a process crash; `full` also survives power loss (fsync per commit). */
  readonly synchronous?: 'normal' | 'full';
  /** SQLite's page cache, MiB (default 64). */
  readonly cacheMiB?: number;
  /** Most writes committed together in one transaction. */
  readonly maxBatch?: number;
  /** Checkpoint the WAL on a worker thread rather than inside commits (default: on for files). */
  readonly backgroundCheckpoint?: boolean;
  /** How long one statement waits for another connection's lock (SQLite busy_timeout). */
  readonly busyTimeoutMs?: number;
  /** How long a batch of device writes is retried while the database is locked. */
  readonly busyRetryMs?: number;
}

interface AppRow {
  access_id: number;
  secret_key: string;
  name: string;
  region: string;
  created_at: number;
  rate_limit: number | null;
}
interface AuditRow {
  id: number;
  at: number;
  actor: string;
  action: string;
  access_id: number | null;
  detail: string;
}
interface DefinitionRow {
  name: string;
  description: string;
  created_at: number;
  updated_at: number;
  device_count: number;
}
interface PendingWrite {
  readonly accessId: number;
  readonly write: DeviceWrite;
  readonly resolve: (outcome: WriteOutcome) => void;
  readonly reject: (error: unknown) => void;
  /** When its batch first found the database locked. */
  lockedSince?: number;
}

const BUSY_RETRY_DELAY_MS = 10;
const isBusy = (error: unknown): boolean =>
  String((error as { code?: unknown } | undefined)?.code).startsWith('SQLITE_BUSY');

const toApp = (row: AppRow): App => ({
  accessId: row.access_id,
  secretKey: row.secret_key,
  name: row.name,
  region: row.region,
  createdAt: row.created_at,
  rateLimitPerSecond: row.rate_limit,
});
const toAudit = (row: AuditRow): AuditEntry => ({
  id: row.id,
  at: row.at,
  actor: row.actor,
  action: row.action,
  accessId: row.access_id,
  detail: JSON.parse(row.detail),
});
const toDefinition = (row: DefinitionRow): Definition => ({
  name: row.name,
  description: row.description,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  deviceCount: row.device_count,
});

/** Opens (creating if needed) and migrates a SQLite store. */
export function openSqliteStore(options: SqliteOptions): SqliteStore {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new Database(options.path);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${options.synchronous === 'full' ? 'FULL' : 'NORMAL'}`);
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
    // 64 MiB of page cache by default (SQLite's is 2 MiB): the inner pages of a store with
    // millions of tokens stay in memory, so a random token costs one leaf page read, not
    // four. A cache as large as the file keeps the leaves too (docs/operations.md).
    db.pragma(`cache_size = ${-1024 * (options.cacheMiB ?? 64)}`);
    // When a write starts the WAL over, the file is cut back to this size.
    const pageSize = db.pragma('page_size', { simple: true }) as number;
    db.pragma(`journal_size_limit = ${WAL_LIMIT_PAGES * pageSize}`);
    migrate(db);
    let checkpointer: Checkpointer | undefined;
    if (options.path !== ':memory:' && options.backgroundCheckpoint !== false) {
      db.pragma('wal_autocheckpoint = 0');
      checkpointer = new Checkpointer({
        path: options.path,
        onFailure: () => {
          if (db.open) db.pragma('wal_autocheckpoint = 1000');
        },
      });
    }
    return new SqliteStore(db, options.maxBatch ?? 512, checkpointer, options.busyRetryMs ?? 10_000);
  } catch (error) {
    db.close();
    throw error;
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > sqliteMigrations.length) {
    throw new Error(
      `the SQLite store has schema version ${version}, newer than this attrd knows (${sqliteMigrations.length}); ` +
        'upgrade attrd or restore a matching backup',
    );
  }
  db.transaction(() => {
    for (let v = version; v < sqliteMigrations.length; v++) db.exec(sqliteMigrations[v]!);
    db.pragma(`user_version = ${sqliteMigrations.length}`);
  }).immediate();
}

/**
 * The embedded store. One connection; writes of device attributes that arrive in the
 * same event-loop turn are committed together in one transaction (group commit), each in
 * its own savepoint so that one failing write cannot half-apply or spoil the others.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  private pending: PendingWrite[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  private readonly q;
  private readonly applyOne: (accessId: number, write: DeviceWrite) => WriteOutcome;
  private readonly importRows: Database.Transaction<(accessId: number, rows: readonly ImportRow[]) => number>;
  private readonly applyBatch: Database.Transaction<
    (jobs: PendingWrite[]) => Array<{ outcome?: WriteOutcome; error?: unknown }>
  >;

  constructor(
    readonly db: Database.Database,
    private readonly maxBatch: number,
    private readonly checkpointer?: Checkpointer,
    private readonly busyRetryMs = 10_000,
  ) {
    this.q = {
      insertApp: db.prepare(
        `INSERT INTO apps (access_id, secret_key, name, region, created_at, rate_limit)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
      ),
      getApp: db.prepare<[number], AppRow>('SELECT * FROM apps WHERE access_id = ?'),
      listApps: db.prepare<[], AppRow>('SELECT * FROM apps ORDER BY created_at, access_id'),
      setSecret: db.prepare('UPDATE apps SET secret_key = ? WHERE access_id = ?'),
      updateApp: db.prepare(
        `UPDATE apps SET name = coalesce(?, name), rate_limit = CASE WHEN ? THEN ? ELSE rate_limit END
         WHERE access_id = ?`,
      ),
      appendAudit: db.prepare(
        'INSERT INTO audit_log (at, actor, action, access_id, detail) VALUES (?, ?, ?, ?, ?)',
      ),
      listAudit: db.prepare<[number, number], AuditRow>(
        'SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?',
      ),
      deleteApp: db.prepare('DELETE FROM apps WHERE access_id = ?'),
      deleteAppDefinitions: db.prepare('DELETE FROM definitions WHERE access_id = ?'),
      deleteAppAttributes: db.prepare('DELETE FROM attributes WHERE access_id = ?'),
      insertDefinition: db.prepare(
        `INSERT INTO definitions (access_id, name, description, created_at, updated_at, device_count)
         VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT DO NOTHING`,
      ),
      getDefinition: db.prepare<[number, string], DefinitionRow>(
        'SELECT name, description, created_at, updated_at, device_count FROM definitions WHERE access_id = ? AND name = ?',
      ),
      listDefinitions: db.prepare<[number], DefinitionRow>(
        'SELECT name, description, created_at, updated_at, device_count FROM definitions WHERE access_id = ? ORDER BY name',
      ),
      describeDefinition: db.prepare(
        'UPDATE definitions SET description = ?, updated_at = ? WHERE access_id = ? AND name = ?',
      ),
      deleteDefinition: db.prepare('DELETE FROM definitions WHERE access_id = ? AND name = ?'),
      deleteDefinitionValues: db.prepare('DELETE FROM attributes WHERE access_id = ? AND name = ?'),
      definedNames: db.prepare<[number], string>('SELECT name FROM definitions WHERE access_id = ?').pluck(),
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      begin: db.prepare('BEGIN'),
      commit: db.prepare('COMMIT'),
      attributeNames: db
        .prepare<[number, string], string>('SELECT name FROM attributes WHERE access_id = ? AND token = ?')
        .pluck(),
      readAttributes: db
        .prepare<[number, string], [string, string]>(
          'SELECT name, value FROM attributes WHERE access_id = ? AND token = ?',
        )
        .raw(),
      // Building the answer's JSON in SQL costs a fifth of a cmd 5's CPU less than building
      // a JS object from the rows and stringifying it (measured: 48 -> 38 µs per read).
      readAttributesJson: db
        .prepare<[number, string], string>(
          'SELECT json_group_object(name, value) FROM attributes WHERE access_id = ? AND token = ?',
        )
        .pluck(),
      upsertAttribute: db.prepare(
        `INSERT INTO attributes (access_id, token, name, value) VALUES (?, ?, ?, ?)
         ON CONFLICT (access_id, token, name) DO UPDATE SET value = excluded.value`,
      ),
      deleteAttribute: db.prepare('DELETE FROM attributes WHERE access_id = ? AND token = ? AND name = ?'),
      countDelta: db.prepare(
        'UPDATE definitions SET device_count = device_count + ? WHERE access_id = ? AND name = ?',
      ),
      getSetting: db.prepare<[string], string>('SELECT value FROM settings WHERE key = ?').pluck(),
      initSetting: db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT DO NOTHING'),
      putSetting: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
    };

    this.applyOne = db.transaction((accessId: number, write: DeviceWrite): WriteOutcome => {
      const q = this.q;
      const current = new Map(q.readAttributes.all(accessId, write.token));
      const defined = this.definedNames(accessId);
      const result = planWrite(current, (name) => defined.has(name), write);
      if (!result.ok) return result;
      const { plan } = result;
      for (const { name, value, added } of plan.set) {
        q.upsertAttribute.run(accessId, write.token, name, value);
        if (added) q.countDelta.run(1, accessId, name);
      }
      for (const name of plan.remove) {
        q.deleteAttribute.run(accessId, write.token, name);
        q.countDelta.run(-1, accessId, name);
      }
      return { ok: true, invalidAttribute: plan.invalidAttribute };
    });

    this.importRows = db.transaction((accessId: number, rows: readonly ImportRow[]): number => {
      const q = this.q;
      this.fresh();
      if (!q.getApp.get(accessId)) throw new Error(`importAttributes: no app with accessId ${accessId}`);
      const byToken = new Map<string, Record<string, string>>();
      for (const row of rows) byToken.set(row.token, { ...byToken.get(row.token), ...row.attributes });
      const defined = this.definedNames(accessId);
      const deltas = new Map<string, number>();
      let written = 0;
      // In key order: neighbouring tokens share B-tree pages, so each page is written once.
      for (const token of [...byToken.keys()].sort()) {
        const attributes = byToken.get(token)!;
        const held = new Set(q.attributeNames.all(accessId, token));
        let count = held.size;
        for (const [name, value] of Object.entries(attributes)) {
          if (!defined.has(name)) {
            throw new Error(`importAttributes: attribute ${JSON.stringify(name)} is not defined`);
          }
          if (!held.has(name)) {
            count++;
            deltas.set(name, (deltas.get(name) ?? 0) + 1);
          }
          q.upsertAttribute.run(accessId, token, name, value);
          written++;
        }
        if (count > limits.attributesPerToken) {
          throw new Error(
            `importAttributes: token ${JSON.stringify(token)} would hold ${count} attributes; ` +
              `the limit is ${limits.attributesPerToken}`,
          );
        }
      }
      for (const [name, delta] of deltas) q.countDelta.run(delta, accessId, name);
      return written;
    });

    this.applyBatch = db.transaction((jobs: PendingWrite[]) => {
      this.fresh();
      return jobs.map((job) => {
        try {
          return { outcome: this.applyOne(job.accessId, job.write) };
        } catch (error) {
          return { error };
        }
      });
    });
  }

  /**
   * Commits the queued writes in order. A batch that finds the database locked changed
   * nothing and goes back to the head of the queue, to be tried again in a moment, for up
   * to `busyRetryMs`: SQLite answers SQLITE_BUSY at once, without waiting for busy_timeout,
   * where waiting could deadlock (as when a checkpoint starts the WAL over).
   */
  private flush = (): void => {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.endTurn();
    while (this.pending.length > 0) {
      const jobs = this.pending.splice(0, this.maxBatch);
      let results: Array<{ outcome?: WriteOutcome; error?: unknown }>;
      try {
        results = this.applyBatch.immediate(jobs);
      } catch (error) {
        const now = Date.now();
        jobs[0]!.lockedSince ??= now;
        if (isBusy(error) && now - jobs[0]!.lockedSince < this.busyRetryMs) {
          this.pending.unshift(...jobs);
          this.retryTimer = setTimeout(this.flush, BUSY_RETRY_DELAY_MS);
          return;
        }
        for (const job of jobs) job.reject(error);
        continue;
      }
      for (const listener of this.batchListeners) listener(jobs.length);
      jobs.forEach((job, i) => {
        const r = results[i]!;
        if (r.outcome) job.resolve(r.outcome);
        else job.reject(r.error);
      });
    }
  };

  // Reads on the device path (apps, attributes) that come in one event-loop turn share one
  // read transaction: a statement outside a transaction takes and drops WAL read locks,
  // which costs more than the read. The transaction ends when the turn does, and before
  // anything on this connection writes, so every read sees every write acknowledged
  // before it; another process's commit is seen from the next turn on.
  //
  // Apps and definition names are cached: read on every request, changed rarely. This
  // connection's own changes drop entries (forget). Another connection's commit (a restore,
  // a second process) changes PRAGMA data_version, which drops everything: checked inside
  // every write transaction, and when a turn's read transaction starts.
  private readonly apps = new Map<number, App>();
  private readonly definitions = new Map<number, ReadonlySet<string>>();
  private dataVersion = -1;
  private readingThisTurn = false;

  /** Ends the turn's read transaction, if one is open. */
  private readonly endTurn = () => {
    if (!this.readingThisTurn) return;
    this.readingThisTurn = false;
    if (this.db.inTransaction) this.q.commit.run();
  };

  /** Joins the turn's read transaction, starting it (and checking the caches) if needed. */
  private reading(): void {
    if (this.readingThisTurn) return;
    // Inside a write transaction, a read uses that transaction's snapshot.
    if (!this.db.inTransaction) {
      this.q.begin.run();
      this.readingThisTurn = true;
      setImmediate(this.endTurn);
    }
    this.fresh();
  }

  /** Drops the caches if another connection has committed since they were filled. */
  private fresh(): void {
    const version = this.q.dataVersion.get()!;
    if (version !== this.dataVersion) {
      this.apps.clear();
      this.definitions.clear();
      this.dataVersion = version;
    }
  }

  private forget(accessId: number): void {
    this.apps.delete(accessId);
    this.definitions.delete(accessId);
  }

  /** The app's defined attribute names; call inside a transaction, after fresh(). */
  private definedNames(accessId: number): ReadonlySet<string> {
    let names = this.definitions.get(accessId);
    if (!names) {
      names = new Set(this.q.definedNames.all(accessId));
      this.definitions.set(accessId, names);
    }
    return names;
  }

  private readonly batchListeners: Array<(size: number) => void> = [];

  onWriteBatch(listener: (size: number) => void): void {
    this.batchListeners.push(listener);
  }

  /**
   * Runs a write now, or again while the database is locked (see flush), for up to
   * busyRetryMs. `forget` drops what it changes from the caches, in the same turn.
   */
  private async retryLocked<T>(write: () => T, forget?: number): Promise<T> {
    const started = Date.now();
    for (;;) {
      this.endTurn();
      try {
        const result = write();
        if (forget !== undefined) this.forget(forget);
        return result;
      } catch (error) {
        if (!isBusy(error) || Date.now() - started >= this.busyRetryMs) throw error;
      }
      await sleep(BUSY_RETRY_DELAY_MS);
    }
  }

  /** Commits every write queued so far, waiting out a locked database (see flush). */
  private async drain(): Promise<void> {
    this.flush();
    while (this.pending.length > 0) {
      await sleep(BUSY_RETRY_DELAY_MS);
      this.flush();
    }
  }

  /** Writes queued but not yet committed. */
  get pendingWrites(): number {
    return this.pending.length;
  }

  async writeAttributes(accessId: number, write: DeviceWrite): Promise<WriteOutcome> {
    if (this.closed) throw new Error('the store is closed');
    return new Promise((resolve, reject) => {
      this.pending.push({ accessId, write, resolve, reject });
      if (this.pending.length === 1) setImmediate(this.flush);
    });
  }

  /** One immediate transaction, after every write queued before it: all or nothing. */
  async importAttributes(accessId: number, rows: readonly ImportRow[]): Promise<number> {
    if (this.closed) throw new Error('the store is closed');
    await this.drain();
    return this.retryLocked(() => this.importRows.immediate(accessId, rows));
  }

  async readAttributes(accessId: number, token: string): Promise<AttributeMap> {
    this.reading();
    return Object.fromEntries(this.q.readAttributes.all(accessId, token));
  }

  async readAttributesJson(accessId: number, token: string): Promise<string> {
    this.reading();
    return this.q.readAttributesJson.get(accessId, token)!;
  }

  async createApp(app: App): Promise<boolean> {
    const r = await this.retryLocked(
      () =>
        this.q.insertApp.run(
          app.accessId,
          app.secretKey,
          app.name,
          app.region,
          app.createdAt,
          app.rateLimitPerSecond,
        ),
      app.accessId,
    );
    return r.changes === 1;
  }

  async getApp(accessId: number): Promise<App | undefined> {
    this.reading();
    const cached = this.apps.get(accessId);
    if (cached) return cached;
    const row = this.q.getApp.get(accessId);
    if (!row) return undefined; // misses are not cached: unknown ids cannot grow memory
    const app = Object.freeze(toApp(row));
    this.apps.set(accessId, app);
    return app;
  }

  async listApps(): Promise<App[]> {
    return this.q.listApps.all().map(toApp);
  }

  async setSecret(accessId: number, secretKey: string): Promise<boolean> {
    const r = await this.retryLocked(() => this.q.setSecret.run(secretKey, accessId), accessId);
    return r.changes === 1;
  }

  async updateApp(accessId: number, changes: AppChanges): Promise<App | undefined> {
    const setsLimit = changes.rateLimitPerSecond !== undefined;
    const r = await this.retryLocked(
      () =>
        this.q.updateApp.run(
          changes.name ?? null,
          setsLimit ? 1 : 0,
          changes.rateLimitPerSecond ?? null,
          accessId,
        ),
      accessId,
    );
    return r.changes === 1 ? this.getApp(accessId) : undefined;
  }

  async appendAudit(entry: NewAuditEntry): Promise<void> {
    const detail = JSON.stringify(entry.detail);
    await this.retryLocked(() =>
      this.q.appendAudit.run(entry.at, entry.actor, entry.action, entry.accessId, detail),
    );
  }

  async listAudit(limit: number, beforeId?: number): Promise<AuditEntry[]> {
    return this.q.listAudit.all(beforeId ?? Number.MAX_SAFE_INTEGER, limit).map(toAudit);
  }

  async deleteApp(accessId: number): Promise<boolean> {
    return this.retryLocked(
      () =>
        this.db
          .transaction(() => {
            this.q.deleteAppAttributes.run(accessId);
            this.q.deleteAppDefinitions.run(accessId);
            return this.q.deleteApp.run(accessId).changes === 1;
          })
          .immediate(),
      accessId,
    );
  }

  async createDefinition(
    accessId: number,
    name: string,
    description: string,
    now: number,
  ): Promise<Definition | 'exists' | 'no-app'> {
    return this.retryLocked(
      () =>
        this.db
          .transaction((): Definition | 'exists' | 'no-app' => {
            if (!this.q.getApp.get(accessId)) return 'no-app';
            if (this.q.insertDefinition.run(accessId, name, description, now, now).changes === 0)
              return 'exists';
            return toDefinition(this.q.getDefinition.get(accessId, name)!);
          })
          .immediate(),
      accessId,
    );
  }

  async listDefinitions(accessId: number): Promise<Definition[] | undefined> {
    if (!this.q.getApp.get(accessId)) return undefined;
    return this.q.listDefinitions.all(accessId).map(toDefinition);
  }

  async getDefinition(accessId: number, name: string): Promise<Definition | undefined> {
    const row = this.q.getDefinition.get(accessId, name);
    return row && toDefinition(row);
  }

  async describeDefinition(
    accessId: number,
    name: string,
    description: string,
    now: number,
  ): Promise<Definition | undefined> {
    const r = await this.retryLocked(() => this.q.describeDefinition.run(description, now, accessId, name));
    if (r.changes === 0) return undefined;
    return toDefinition(this.q.getDefinition.get(accessId, name)!);
  }

  async deleteDefinition(accessId: number, name: string): Promise<boolean> {
    return this.retryLocked(
      () =>
        this.db
          .transaction(() => {
            if (this.q.deleteDefinition.run(accessId, name).changes === 0) return false;
            this.q.deleteDefinitionValues.run(accessId, name);
            return true;
          })
          .immediate(),
      accessId,
    );
  }

  async getSetting(key: string): Promise<string | undefined> {
    return this.q.getSetting.get(key);
  }

  async initSetting(key: string, value: string): Promise<boolean> {
    return (await this.retryLocked(() => this.q.initSetting.run(key, value))).changes === 1;
  }

  async putSetting(key: string, value: string): Promise<void> {
    await this.retryLocked(() => this.q.putSetting.run(key, value));
  }

  async ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.endTurn();
    await this.drain();
    await this.checkpointer?.stop();
    this.db.close();
  }
}
