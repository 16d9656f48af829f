import { type Keyring, parseKeyring } from './auth/secret-box.js';
import { isValidRegion, regionRule } from './domain/limits.js';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly database: DatabaseConfig;
  /** When set, the admin token; otherwise one is generated on first start and only its hash kept. */
  readonly adminToken: string | undefined;
  readonly region: string;
  /** How far (seconds) a signature's TimeStamp may be from the server clock. */
  readonly signWindowSeconds: number;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimitBytes: number;
  /** SQLite `synchronous`: `normal` survives a process crash, `full` also power loss. */
  readonly sqliteSynchronous: 'normal' | 'full';
  /** SQLite's page cache in attrd's memory, MiB: the store's hot pages, read without a system call. */
  readonly sqliteCacheMiB: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Device API requests per second per app and node when the app sets none; 0 = unlimited. */
  readonly rateLimitPerSecond: number;
  /** Bad admin tokens from one address within 10 minutes before it is locked out. */
  readonly adminMaxFailures: number;
  readonly adminLockoutSeconds: number;
  /** Take the client address from X-Forwarded-For (set when behind a trusted proxy). */
  readonly trustProxy: boolean;
  /** Keys that encrypt app secretKeys at rest (first seals, all open); undefined = stored as is. */
  readonly secretKeyring: Keyring | undefined;
  /** Slow-client limits: whole headers, whole request, idle keep-alive (milliseconds). */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
  /** Most open client connections; more are refused (closed at once). 0 = no cap. */
  readonly maxConnections: number;
  /** On SIGTERM, how long requests in flight may take before connections are cut. */
  readonly shutdownGraceMs: number;
  /** Bearer token /metrics requires when set; unset = /metrics is open (no secrets in it). */
  readonly metricsToken: string | undefined;
  /** How long a web console session lasts after sign-in. */
  readonly consoleSessionSeconds: number;
  /** PostgreSQL: most connections this node opens. */
  readonly pgPoolSize: number;
  /** PostgreSQL: longest a statement may run, and longest to wait for a connection. */
  readonly pgStatementTimeoutMs: number;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[0-9]+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return Number(raw);
}

function oneOf<T extends string>(env: Env, name: string, fallback: T, allowed: readonly T[]): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as T;
}

function database(raw: string | undefined): DatabaseConfig {
  const value = raw === undefined || raw === '' ? 'sqlite:./data/attrd.db' : raw;
  if (value.startsWith('sqlite:')) {
    const path = value.slice('sqlite:'.length);
    if (path === '')
      throw new ConfigError('ATTRD_DATABASE sqlite: needs a file path, as in sqlite:./data/attrd.db');
    return { kind: 'sqlite', path };
  }
  if (value.startsWith('postgres://') || value.startsWith('postgresql://')) {
    try {
      new URL(value);
    } catch {
      throw new ConfigError('ATTRD_DATABASE is not a valid postgres:// URL');
    }
    return { kind: 'postgres', url: value };
  }
  throw new ConfigError(
    `ATTRD_DATABASE must be sqlite:PATH or postgres://…, got ${JSON.stringify(value.split(':')[0] + ':…')}`,
  );
}

function metricsToken(raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16 || !/^[\x21-\x7e]+$/.test(raw)) {
    throw new ConfigError(
      'ATTRD_METRICS_TOKEN must be at least 16 printable ASCII characters without spaces',
    );
  }
  return raw;
}

/** Reads and validates the configuration once; the only reader of the environment. */
export function loadConfig(env: Env): Config {
  const region = env.ATTRD_REGION || 'default';
  if (!isValidRegion(region))
    throw new ConfigError(`ATTRD_REGION must be ${regionRule}, got ${JSON.stringify(region)}`);
  const adminToken = env.ATTRD_ADMIN_TOKEN || undefined;
  if (adminToken !== undefined && (adminToken.length < 16 || !/^[\x21-\x7e]+$/.test(adminToken))) {
    throw new ConfigError('ATTRD_ADMIN_TOKEN must be at least 16 printable ASCII characters without spaces');
  }
  let secretKeyring: Keyring | undefined;
  if (env.ATTRD_SECRET_KEYS) {
    try {
      secretKeyring = parseKeyring(env.ATTRD_SECRET_KEYS);
    } catch (error) {
      throw new ConfigError(
        `ATTRD_SECRET_KEYS must be id:base64key[,id:base64key…]: ${(error as Error).message}`,
      );
    }
  }
  const headersTimeoutMs = integer(env, 'ATTRD_HEADERS_TIMEOUT_MS', 10_000, 100, 600_000);
  const requestTimeoutMs = integer(env, 'ATTRD_REQUEST_TIMEOUT_MS', 30_000, 100, 600_000);
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new ConfigError(
      `ATTRD_HEADERS_TIMEOUT_MS (${headersTimeoutMs}) must not exceed ATTRD_REQUEST_TIMEOUT_MS (${requestTimeoutMs})`,
    );
  }
  return Object.freeze({
    host: env.ATTRD_HOST || '0.0.0.0',
    port: integer(env, 'ATTRD_PORT', 8080, 0, 65535),
    database: Object.freeze(database(env.ATTRD_DATABASE)),
    adminToken,
    region,
    signWindowSeconds: integer(env, 'ATTRD_SIGN_WINDOW_SECONDS', 300, 1, 86_400),
    bodyLimitBytes: integer(env, 'ATTRD_BODY_LIMIT_BYTES', 65_536, 1024, 16 * 1024 * 1024),
    sqliteSynchronous: oneOf(env, 'ATTRD_SQLITE_SYNCHRONOUS', 'normal', ['normal', 'full'] as const),
    sqliteCacheMiB: integer(env, 'ATTRD_SQLITE_CACHE_MIB', 64, 2, 1_048_576),
    logLevel: oneOf(env, 'ATTRD_LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ] as const),
    rateLimitPerSecond: integer(env, 'ATTRD_RATE_LIMIT_PER_SECOND', 0, 0, 1_000_000),
    adminMaxFailures: integer(env, 'ATTRD_ADMIN_MAX_FAILURES', 10, 1, 1_000_000),
    adminLockoutSeconds: integer(env, 'ATTRD_ADMIN_LOCKOUT_SECONDS', 900, 1, 86_400),
    trustProxy: oneOf(env, 'ATTRD_TRUST_PROXY', 'false', ['true', 'false'] as const) === 'true',
    secretKeyring,
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: integer(env, 'ATTRD_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 600_000),
    maxConnections: integer(env, 'ATTRD_MAX_CONNECTIONS', 10_000, 0, 1_000_000),
    shutdownGraceMs: integer(env, 'ATTRD_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    metricsToken: metricsToken(env.ATTRD_METRICS_TOKEN),
    consoleSessionSeconds: integer(env, 'ATTRD_CONSOLE_SESSION_SECONDS', 28_800, 60, 604_800),
    pgPoolSize: integer(env, 'ATTRD_PG_POOL_SIZE', 10, 1, 1000),
    pgStatementTimeoutMs: integer(env, 'ATTRD_PG_STATEMENT_TIMEOUT_MS', 5000, 100, 600_000),
  });
}
