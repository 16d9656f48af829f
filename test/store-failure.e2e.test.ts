import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../src/store/sqlite.js';
import { startTestServer, type TestApp, type TestServer } from './support/server.js';
import { sqliteKind } from './support/stores.js';

describe('a failing store answers 1008004 with HTTP 500 and changes nothing', () => {
  let server: TestServer;
  let app: TestApp;
  beforeAll(async () => {
    server = await startTestServer(await sqliteKind.open());
    app = await server.newApp(['level']);
  });
  afterAll(async () => server.close());

  it('refuses the write whole when the store fails mid-transaction', async () => {
    const db = (server.store as SqliteStore).db;
    await server.device(app, { cmd: 1, token: 't', attributeInfo: { attributeMap: { level: 'before' } } });
    // A real failure inside SQLite's transaction (as a full disk or I/O error would be).
    db.exec(
      "CREATE TRIGGER fail BEFORE UPDATE ON attributes WHEN NEW.value = 'fail' BEGIN SELECT RAISE(ABORT, 'disk gone'); END",
    );
    const response = await server.device(app, {
      cmd: 1,
      token: 't',
      attributeInfo: { attributeMap: { level: 'fail' } },
    });
    expect(response).toEqual({
      status: 500,
      body: {
        retCode: 1008004,
        errMsg: 'invoke service error: the store failed; nothing was changed, retry later',
      },
    });
    db.exec('DROP TRIGGER fail');
    // the failure is timed and counted as an error, the earlier write as ok
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(
      /attrd_store_operation_duration_seconds_count\{op="writeAttributes",outcome="error"\} 1\n/,
    );
    expect(metrics).toMatch(
      /attrd_store_operation_duration_seconds_count\{op="writeAttributes",outcome="ok"\} 1\n/,
    );
    expect(metrics).toMatch(
      /attrd_http_requests_total\{route="\/v3\/device\/set_custom_attribute",method="POST",status="500",cmd="1",retCode="1008004"\} 1\n/,
    );
    expect((await server.device(app, { cmd: 5, token: 't' })).body.attributeInfo.attributeMap).toEqual({
      level: 'before',
    });
    const definitions = await server.admin('GET', `/apps/${app.accessId}/attributes`);
    expect(definitions.body.attributes[0].deviceCount).toBe(1);
  });

  it('answers admin calls with 500 store_unavailable', async () => {
    const db = (server.store as SqliteStore).db;
    db.exec("CREATE TRIGGER nodefs BEFORE INSERT ON definitions BEGIN SELECT RAISE(ABORT, 'disk gone'); END");
    const response = await server.admin('POST', `/apps/${app.accessId}/attributes`, { name: 'city' });
    db.exec('DROP TRIGGER nodefs');
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('store_unavailable');
  });
});
