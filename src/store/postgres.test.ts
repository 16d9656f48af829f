import { describe, it } from 'vitest';
import { freshPgUrl, testPgDatabase } from '../../test/support/stores.js';
import { openPostgresStore } from './postgres.js';
import { runStoreContract } from './store.contract.js';

if (testPgDatabase) {
  runStoreContract('postgres', async () => openPostgresStore({ url: await freshPgUrl(), poolSize: 4 }));
} else {
  describe.skip('Store contract: postgres (no PostgreSQL server reachable; see test/support/pg-setup.ts)', () => {
    it('runs against a real server', () => {});
  });
}
