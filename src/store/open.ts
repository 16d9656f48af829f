import type { Config } from '../config.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** Opens the store the configuration names. */
export async function openStore(config: Config): Promise<Store> {
  if (config.database.kind === 'sqlite') {
    return openSqliteStore({ path: config.database.path, synchronous: config.sqliteSynchronous });
  }
  throw new Error('ATTRD_DATABASE=postgres://… is not supported by this build yet');
}
