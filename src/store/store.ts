import type { DeviceFailure } from '../domain/errors.js';
import type {
  App,
  AppChanges,
  AttributeMap,
  AuditEntry,
  Definition,
  NewAuditEntry,
} from '../domain/model.js';
import type { DeviceWrite } from '../domain/request.js';

/** One token's attributes for the bulk path. */
export interface ImportRow {
  readonly token: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** Figures a store may report for /metrics. */
export interface StoreStats {
  /** Connection pool usage, for stores that pool connections. */
  readonly pool?: { readonly total: number; readonly idle: number; readonly waiting: number };
}

/**
 * Thrown by readAttributes and writeAttributes when the app passed as `seen` is no longer
 * as it was (its secret, region or rate limit changed, or it was deleted): nothing was
 * read or written. The caller looks the app up again with getApp and starts over.
 */
export class AppChanged extends Error {
  constructor(readonly accessId: number) {
    super(`app ${accessId} changed since it was looked up`);
    this.name = 'AppChanged';
  }
}

export type WriteOutcome =
  | { readonly ok: true; readonly invalidAttribute: readonly string[] }
  | { readonly ok: false; readonly failure: DeviceFailure };

/**
 * The only thing the API knows about storage. Every method either completes durably
 * or throws (the caller answers 1008004 / 500); expected outcomes come back as values.
 * What a method returns reflects every write acknowledged before it was called, on any
 * node sharing the same database.
 */
export interface Store {
  /** Which backend this is, for logs and metrics. */
  readonly kind: 'sqlite' | 'postgres';

  /** Adds an app; false if the accessId is taken. */
  createApp(app: App): Promise<boolean>;
  /** The app with this accessId, if any, as committed when the call was made. */
  getApp(accessId: number): Promise<App | undefined>;
  /**
   * Optional: the app as this node last saw it, without a round trip; it may be stale or
   * absent. Only for a device request, which answers from it only after passing it as
   * `seen` to readAttributes or writeAttributes (they confirm it in the same transaction)
   * and looks the app up with getApp before answering a failure that depends on it.
   */
  peekApp?(accessId: number): App | undefined;
  /** Every app, oldest first. */
  listApps(): Promise<App[]>;
  /** Replaces the app's secret; false if there is no such app. */
  setSecret(accessId: number, secretKey: string): Promise<boolean>;
  /** Changes an app's name or rate limit; undefined if there is no such app. */
  updateApp(accessId: number, changes: AppChanges): Promise<App | undefined>;
  /** Removes the app with its definitions and every token's attributes; false if absent. */
  deleteApp(accessId: number): Promise<boolean>;

  /** Adds a definition (deviceCount 0); 'exists' if the name is taken, 'no-app' if the app is absent. */
  createDefinition(
    accessId: number,
    name: string,
    description: string,
    now: number,
  ): Promise<Definition | 'exists' | 'no-app'>;
  /** The app's definitions by name, with exact deviceCounts; undefined if the app is absent. */
  listDefinitions(accessId: number): Promise<Definition[] | undefined>;
  /** One definition, if both app and name exist. */
  getDefinition(accessId: number, name: string): Promise<Definition | undefined>;
  /** Changes a description; undefined if the app or the definition is absent. */
  describeDefinition(
    accessId: number,
    name: string,
    description: string,
    now: number,
  ): Promise<Definition | undefined>;
  /** Removes a definition and its value from every token of the app; false if absent. */
  deleteDefinition(accessId: number, name: string): Promise<boolean>;

  /**
   * Applies cmd 1–4 to one token atomically, by the rules of domain `planWrite` (SQLite
   * calls it; PostgreSQL applies the same rules in SQL), against the definitions and
   * attributes as they are inside the transaction. Resolves only after
   * the change is committed; a refused write changes nothing. With `seen` (an app from
   * peekApp), throws AppChanged, writing nothing, unless the app is still as seen
   * inside the transaction.
   */
  writeAttributes(accessId: number, write: DeviceWrite, seen?: App): Promise<WriteOutcome>;
  /**
   * The token's attributes (empty if it has none). With `seen` (an app from peekApp),
   * throws AppChanged unless the app is still as seen when the attributes are read.
   */
  readAttributes(accessId: number, token: string, seen?: App): Promise<AttributeMap>;
  /**
   * The same read as readAttributes, as the JSON text of its attributeMap object: the cmd 5
   * answer's body embeds it as is. Keys may come in another order than JSON.stringify
   * would give (SQLite builds the text in SQL, in name order).
   */
  readAttributesJson(accessId: number, token: string, seen?: App): Promise<string>;

  /** Appends an admin action to the audit log. */
  appendAudit(entry: NewAuditEntry): Promise<void>;
  /** Audit entries newest first, at most `limit`, only those with id below `beforeId` when given. */
  listAudit(limit: number, beforeId?: number): Promise<AuditEntry[]>;

  /** A server setting (such as the admin token hash), if set. */
  getSetting(key: string): Promise<string | undefined>;
  /** Sets a server setting only if it is unset; false if it was set already. */
  initSetting(key: string, value: string): Promise<boolean>;
  /** Sets a server setting, replacing any value. */
  putSetting(key: string, value: string): Promise<void>;

  /**
   * Optional bulk path (preloads, migrations from TPNS): sets these tokens' attributes,
   * replacing values of the same names, with definitions and the 50-per-token limit
   * checked and deviceCounts kept exact, in as few transactions as the store likes.
   * Throws, writing none of `rows`, on an absent app, an undefined name or a limit breach.
   * Resolves with the number of token-attributes written, once committed.
   */
  importAttributes?(accessId: number, rows: readonly ImportRow[]): Promise<number>;
  /** Optional figures for /metrics. */
  stats?(): StoreStats;
  /** Optional: calls `listener` with the number of writes in each committed write batch. */
  onWriteBatch?(listener: (size: number) => void): void;

  /** Resolves when the store can serve requests; throws otherwise. */
  ping(): Promise<void>;
  /** Commits anything pending and releases the store. */
  close(): Promise<void>;
}
