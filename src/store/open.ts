import type { Config } from '../config.js';
import { openPostgresStore } from './postgres.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** Opens the store the configuration names. */
export async function openStore(config: Config, onIdleError?: (error: Error) => void): Promise<Store> {
  if (config.database.kind === 'sqlite') {
    return openSqliteStore({
      path: config.database.path,
      synchronous: config.sqliteSynchronous,
      cacheMiB: config.sqliteCacheMiB,
    });
  }
  return openPostgresStore({
    url: config.database.url,
    poolSize: config.pgPoolSize,
    statementTimeoutMs: config.pgStatementTimeoutMs,
    ...(onIdleError ? { onIdleError } : {}),
  });
}
