import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../src/auth/sign.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/server.js';
import { sqliteKind } from './support/stores.js';

describe('rate limit and admin lockout: edges', () => {
  let now = 1_800_000_000_000;
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(
      await sqliteKind.open(),
      {
        ATTRD_RATE_LIMIT_PER_SECOND: '2',
        ATTRD_ADMIN_MAX_FAILURES: '3',
        ATTRD_ADMIN_LOCKOUT_SECONDS: '60',
        ATTRD_TRUST_PROXY: 'true',
      },
      { now: () => now },
    );
  });
  afterAll(() => server.close());

  const adminAs = (address: string, token: string) =>
    fetch(`${server.url}/admin/v1/apps`, {
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address },
    });

  it('a write refused for rate changes nothing; bad credentials do not spend the app’s budget', async () => {
    const app = await server.newApp(['level']);
    for (let i = 0; i < 5; i++) {
      const forged = await fetch(`${server.url}/v3/device/set_custom_attribute`, {
        method: 'POST',
        headers: { authorization: basicAuthorization(app.accessId, 'not-the-secret') },
        body: '{"cmd":5,"token":"t"}',
      });
      expect(((await forged.json()) as any).retCode).toBe(1008003);
    }
    const write = (v: string) =>
      server.device(app, { cmd: 1, token: 'rl', attributeInfo: { attributeMap: { level: v } } });
    expect((await write('1')).body.retCode).toBe(0);
    expect((await write('2')).body.retCode).toBe(0);
    expect((await write('3')).body.retCode).toBe(1008028);
    now += 1000;
    expect((await server.device(app, { cmd: 5, token: 'rl' })).body.attributeInfo.attributeMap).toEqual({
      level: '2',
    });
  });

  it('a good token clears an address’s failures; lockout is per address and ends after its time', async () => {
    expect((await adminAs('10.0.0.1', 'bad-token-aaaaaaaaaaaa')).status).toBe(401);
    expect((await adminAs('10.0.0.1', 'bad-token-aaaaaaaaaaaa')).status).toBe(401);
    expect((await adminAs('10.0.0.1', ADMIN_TOKEN)).status).toBe(200); // resets the count
    expect((await adminAs('10.0.0.1', 'bad-token-aaaaaaaaaaaa')).status).toBe(401);
    expect((await adminAs('10.0.0.1', 'bad-token-aaaaaaaaaaaa')).status).toBe(401);
    expect((await adminAs('10.0.0.1', ADMIN_TOKEN)).status).toBe(200);

    for (let i = 0; i < 3; i++)
      expect((await adminAs('10.0.0.2', 'bad-token-bbbbbbbbbbbb')).status).toBe(401);
    expect((await adminAs('10.0.0.2', ADMIN_TOKEN)).status).toBe(429);
    expect((await adminAs('10.0.0.3', ADMIN_TOKEN)).status).toBe(200); // others unaffected
    now += 59_000;
    expect((await adminAs('10.0.0.2', ADMIN_TOKEN)).status).toBe(429);
    now += 2_000;
    expect((await adminAs('10.0.0.2', ADMIN_TOKEN)).status).toBe(200);
  });
});
