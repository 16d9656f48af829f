import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** Every store the suites must pass on. */
export function storeKinds(): StoreKind[] {
  return [sqliteKind];
}
