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
}

let counter = 0;
const sqliteDir = mkdtempSync(join(tmpdir(), 'attrd-e2e-'));

export const sqliteKind: StoreKind = {
  name: 'sqlite',
  open: async () => openSqliteStore({ path: join(sqliteDir, `e2e-${process.pid}-${counter++}.db`) }),
};

/** Every store the suites must pass on. */
export function storeKinds(): StoreKind[] {
  return [sqliteKind];
}
