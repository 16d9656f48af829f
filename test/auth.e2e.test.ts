import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization, sign } from '../src/auth/sign.js';
import { startTestServer, type TestApp, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

const PATH = '/v3/device/set_custom_attribute';
const AUTH_FAILURE = { retCode: 1008003, errMsg: 'auth failure: missing, malformed or wrong credentials' };

for (const kind of storeKinds()) {
  describe(`authentication over HTTP (${kind.name})`, () => {
    let server: TestServer;
    let app: TestApp;
    let other: TestApp;
    const body = '{"cmd":5,"token":"0a1b2c3d4e5f60718293a4b5c6d7e8f9abcd"}';

    beforeAll(async () => {
      server = await startTestServer(await kind.open());
      app = await server.newApp(['level']);
      other = await server.newApp(['level']);
    });
    afterAll(async () => server.close());

    const post = async (headers: Record<string, string>, raw = body) => {
      const response = await fetch(`${server.url}${PATH}`, { method: 'POST', headers, body: raw });
      return { status: response.status, body: (await response.json()) as any };
    };
    const signed = (accessId: number, secretKey: string, timeStamp: number, raw = body) => ({
      AccessId: String(accessId),
      TimeStamp: String(timeStamp),
      Sign: sign(secretKey, String(timeStamp), String(accessId), raw),
    });
    const now = () => Math.floor(Date.now() / 1000);

    it('accepts Basic and the signature, with any header case', async () => {
      expect(
        (await post({ Authorization: basicAuthorization(app.accessId, app.secretKey) })).body.retCode,
      ).toBe(0);
      expect((await post(signed(app.accessId, app.secretKey, now()))).body.retCode).toBe(0);
      const h = signed(app.accessId, app.secretKey, now());
      expect((await post({ accessid: h.AccessId, TIMESTAMP: h.TimeStamp, sIgN: h.Sign })).body.retCode).toBe(
        0,
      );
    });

    it('answers the same 1008003 for every kind of failure, with no hint', async () => {
      const cases: Array<Record<string, string>> = [
        {},
        { Authorization: 'Bearer nope' },
        { Authorization: basicAuthorization(app.accessId, 'ffffffffffffffffffffffffffffffff') },
        { Authorization: basicAuthorization(app.accessId, other.secretKey) },
        { Authorization: basicAuthorization(1599999999, app.secretKey) },
        signed(app.accessId, other.secretKey, now()),
        signed(1599999999, app.secretKey, now()),
        signed(app.accessId, app.secretKey, now() - 330),
        signed(app.accessId, app.secretKey, now() + 330),
        { AccessId: String(app.accessId), TimeStamp: String(now()) },
      ];
      for (const headers of cases) expect(await post(headers)).toEqual({ status: 200, body: AUTH_FAILURE });
    });

    it('refuses a tampered body', async () => {
      const headers = signed(app.accessId, app.secretKey, now());
      expect((await post(headers, body.replace('abcd', 'abce'))).body).toEqual(AUTH_FAILURE);
    });

    it('refuses Base64 of the raw digest instead of the hex text', async () => {
      const ts = String(now());
      const raw = createHmac('sha256', app.secretKey)
        .update(ts + app.accessId + body)
        .digest('base64');
      expect((await post({ AccessId: String(app.accessId), TimeStamp: ts, Sign: raw })).body).toEqual(
        AUTH_FAILURE,
      );
    });

    it('checks credentials before the body, so strangers learn nothing of it', async () => {
      expect((await post({}, 'not json')).body).toEqual(AUTH_FAILURE);
    });

    it('honours a configured signature window', async () => {
      const narrow = await startTestServer(await kind.open(), { ATTRD_SIGN_WINDOW_SECONDS: '10' });
      try {
        const a = await narrow.newApp();
        const call = (ts: number) =>
          fetch(`${narrow.url}${PATH}`, {
            method: 'POST',
            headers: signed(a.accessId, a.secretKey, ts),
            body,
          }).then((r) => r.json() as Promise<any>);
        expect((await call(now() - 5)).retCode).toBe(0);
        expect((await call(now() - 20)).retCode).toBe(1008003);
      } finally {
        await narrow.close();
      }
    });

    it('matches the SPEC vector over the wire when the clock says 1700000000', async () => {
      const fixed = await startTestServer(await kind.open(), {}, { now: () => 1_700_000_000_000 });
      try {
        const created = await fixed.newApp();
        // The vector's app: insert it directly so accessId and secret match the SPEC.
        await fixed.store.createApp({
          accessId: 1500000001,
          secretKey: '8d1f0a6c2b9e4f7a3c5d6e7f8091a2b3',
          name: 'vector',
          region: 'default',
          createdAt: 0,
          rateLimitPerSecond: null,
        });
        const response = await fetch(`${fixed.url}${PATH}`, {
          method: 'POST',
          headers: {
            AccessId: '1500000001',
            TimeStamp: '1700000000',
            Sign: 'NTBhZGYzOWNmNzZlZjA5N2ZjNGM5ZDI1OTAzNzc5ODBmMTExZGY4ZjMzZGYyZDliMDZlM2YxNmJlODc5ZjUzMQ==',
          },
          body,
        });
        expect((await response.json()) as any).toEqual({
          retCode: 0,
          errMsg: 'success',
          attributeInfo: { attributeMap: {} },
        });
        expect(created.accessId).not.toBe(1500000001);
      } finally {
        await fixed.close();
      }
    });

    it('stops accepting the old secret as soon as it is rotated', async () => {
      const rotated = await server.newApp();
      const { body: fresh } = await server.admin('POST', `/apps/${rotated.accessId}/secret`);
      expect(fresh.secretKey).toMatch(/^[0-9a-f]{32}$/);
      expect((await server.device(rotated, { cmd: 5, token: 't' })).body).toEqual(AUTH_FAILURE);
      expect(
        (await server.device({ ...rotated, secretKey: fresh.secretKey }, { cmd: 5, token: 't' })).body
          .retCode,
      ).toBe(0);
      expect(
        (
          await server.device(
            { ...rotated, secretKey: fresh.secretKey },
            { cmd: 5, token: 't' },
            { scheme: 'signature' },
          )
        ).body.retCode,
      ).toBe(0);
    });

    it('answers 1008035 to an app of another region, only once authenticated', async () => {
      const foreign = await server.newApp(['level'], 'eu-frankfurt');
      const response = await server.device(foreign, { cmd: 5, token: 't' });
      expect(response).toEqual({
        status: 200,
        body: {
          retCode: 1008035,
          errMsg: `app ${foreign.accessId} belongs to region "eu-frankfurt"; this service access point serves region "default"`,
        },
      });
      expect(
        (await server.device({ ...foreign, secretKey: app.secretKey }, { cmd: 5, token: 't' })).body,
      ).toEqual(AUTH_FAILURE);
    });
  });
}
