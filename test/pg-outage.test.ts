import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../src/auth/sign.js';
import { type PrivateCluster, privateClusterProblem, startPrivateCluster } from './support/pg-cluster.js';
import { type AttrdProcess, startAttrd } from './support/process.js';
import { freshPgUrl, testPgDatabase } from './support/stores.js';

/**
 * A PostgreSQL outage: requests fail fast with 1008004 (HTTP 500), nothing is half
 * applied, the node keeps running, and it recovers by itself when the database returns.
 */
const ADMIN_TOKEN = 'outage-admin-token-0123456789abcdef';
const TIMEOUT_MS = 1000;

async function call(node: AttrdProcess, path: string, init: RequestInit = {}) {
  const started = Date.now();
  const response = await fetch(`${node.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

async function setUp(node: AttrdProcess) {
  const headers = { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const app = (await call(node, '/admin/v1/apps', { method: 'POST', headers, body: '{"name":"outage"}' }))
    .body;
  await call(node, `/admin/v1/apps/${app.accessId}/attributes`, {
    method: 'POST',
    headers,
    body: '{"name":"n"}',
  });
  const device = (body: unknown) =>
    call(node, '/v3/device/set_custom_attribute', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: basicAuthorization(app.accessId, app.secretKey),
      },
      body: JSON.stringify(body),
    });
  const write = (n: string) => device({ cmd: 1, token: 'tok', attributeInfo: { attributeMap: { n } } });
  const read = async () => (await device({ cmd: 5, token: 'tok' })).body.attributeInfo?.attributeMap;
  return { app, write, read, headers };
}

/** Polls until a write succeeds; returns how long it took. */
async function recovers(write: () => Promise<{ body: { retCode: number } }>, withinMs: number) {
  const started = Date.now();
  while (Date.now() - started < withinMs) {
    if ((await write()).body.retCode === 0) return Date.now() - started;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`no recovery within ${withinMs} ms`);
}

describe.skipIf(!testPgDatabase)('PostgreSQL outage', () => {
  it('recovers by itself when its database connections are terminated', async () => {
    const node = await startAttrd({ ATTRD_DATABASE: await freshPgUrl(), ATTRD_ADMIN_TOKEN: ADMIN_TOKEN });
    try {
      const { write, read } = await setUp(node);
      expect((await write('1')).body.retCode).toBe(0);
      const admin = new pg.Client({ connectionString: testPgDatabase });
      await admin.connect();
      const killed = await admin.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'attrd' AND datname = current_database() AND pid <> pg_backend_pid()`,
      );
      await admin.end();
      expect(killed.rowCount).toBeGreaterThan(0);
      await recovers(() => write('2'), 5000);
      expect(await read()).toEqual({ n: '2' });
      expect(node.child.exitCode).toBeNull();
    } finally {
      node.child.kill('SIGTERM');
      await node.exited;
    }
  });

  const problem = privateClusterProblem();
  if (problem && process.env.CI === 'true') throw new Error(`cannot run the outage test: ${problem}`);
  describe.skipIf(problem !== undefined)('database server stopped and started again', () => {
    let cluster: PrivateCluster;
    let node: AttrdProcess;
    beforeAll(async () => {
      cluster = await startPrivateCluster();
      node = await startAttrd({
        ATTRD_DATABASE: cluster.url,
        ATTRD_ADMIN_TOKEN: ADMIN_TOKEN,
        ATTRD_PG_STATEMENT_TIMEOUT_MS: String(TIMEOUT_MS),
      });
    }, 90_000);
    afterAll(async () => {
      node?.child.kill('SIGTERM');
      await node?.exited;
      cluster?.destroy();
    });

    it('answers 1008004 fast while the database is down, changes nothing, and recovers', async () => {
      const { app, write, read, headers } = await setUp(node);
      expect((await write('before')).body.retCode).toBe(0);

      cluster.stop();
      const refused = await write('during');
      expect(refused.status).toBe(500);
      expect(refused.body.retCode).toBe(1008004);
      expect(refused.ms).toBeLessThan(TIMEOUT_MS + 2000);
      const reading = await call(node, '/v3/device/set_custom_attribute', {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: basicAuthorization(app.accessId, app.secretKey),
        },
        body: '{"cmd":5,"token":"tok"}',
      });
      expect(reading.body.retCode).toBe(1008004);
      const adminCall = await call(node, '/admin/v1/apps', { headers });
      expect(adminCall.status).toBe(500);
      expect(adminCall.body.error.code).toBeTypeOf('string');
      expect((await call(node, '/readyz')).status).toBe(503);
      expect((await call(node, '/healthz')).status).toBe(200);

      cluster.start();
      await recovers(() => read().then((map) => ({ body: { retCode: map ? 0 : 1 } })), 15_000);
      expect(await read()).toEqual({ n: 'before' });
      expect((await write('after')).body.retCode).toBe(0);
      expect(await read()).toEqual({ n: 'after' });
      expect((await call(node, '/readyz')).status).toBe(200);
      expect(node.child.exitCode).toBeNull();
    });
  });
});
