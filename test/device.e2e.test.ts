import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retCodes } from '../src/domain/errors.js';
import { startTestServer, type TestApp, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

const PATH = '/v3/device/set_custom_attribute';

for (const kind of storeKinds()) {
  describe(`device API over HTTP (${kind.name})`, () => {
    let server: TestServer;
    let app: TestApp;
    beforeAll(async () => {
      server = await startTestServer(await kind.open());
      app = await server.newApp(['nickname', 'level', 'city', '等级', '__proto__']);
    });
    afterAll(async () => server.close());

    const set = (token: string, attributeMap: unknown, cmd = 1) =>
      server.device(app, { cmd, token, attributeInfo: { attributeMap } });
    const query = async (token: string) =>
      (await server.device(app, { cmd: 5, token })).body.attributeInfo.attributeMap;

    it('cmd 1 sets, cmd 5 reads, with exact TPNS response bodies', async () => {
      expect(await set('tok-1', { nickname: 'Mia', level: '7' })).toEqual({
        status: 200,
        body: { retCode: 0, errMsg: 'success' },
      });
      expect(await server.device(app, { cmd: 5, token: 'tok-1' })).toEqual({
        status: 200,
        body: {
          retCode: 0,
          errMsg: 'success',
          attributeInfo: { attributeMap: { nickname: 'Mia', level: '7' } },
        },
      });
    });

    it('cmd 2 updates and also inserts', async () => {
      await set('tok-2', { level: '1' });
      expect((await set('tok-2', { level: '2', city: 'Shenzhen' }, 2)).body).toEqual({
        retCode: 0,
        errMsg: 'success',
      });
      expect(await query('tok-2')).toEqual({ level: '2', city: 'Shenzhen' });
    });

    it('cmd 3 deletes keys, ignoring values and absent keys', async () => {
      await set('tok-3', { level: '1', city: 'x', nickname: 'n' });
      expect((await set('tok-3', { level: 123, city: null, 等级: {} }, 3)).body).toEqual({
        retCode: 0,
        errMsg: 'success',
      });
      expect(await query('tok-3')).toEqual({ nickname: 'n' });
    });

    it('cmd 4 deletes everything; cmd 5 then answers an empty map', async () => {
      await set('tok-4', { level: '1', city: 'x' });
      expect((await server.device(app, { cmd: 4, token: 'tok-4' })).body).toEqual({
        retCode: 0,
        errMsg: 'success',
      });
      expect(await server.device(app, { cmd: 5, token: 'tok-4' })).toEqual({
        status: 200,
        body: { retCode: 0, errMsg: 'success', attributeInfo: { attributeMap: {} } },
      });
      expect(await query('never-seen')).toEqual({});
    });

    it('skips undefined keys, lists them in invalidAttribute, applies the rest', async () => {
      const response = await set('tok-5', { level: '3', unknown1: 'a', unknown2: 'b' });
      expect(response.body).toEqual({
        retCode: 0,
        errMsg: 'success',
        invalidAttribute: ['unknown1', 'unknown2'],
      });
      expect(await query('tok-5')).toEqual({ level: '3' });
      expect((await set('tok-5', { unknown1: 'x' }, 3)).body).toEqual({
        retCode: 0,
        errMsg: 'success',
        invalidAttribute: ['unknown1'],
      });
    });

    it('stores CJK and prototype-like names and values exactly', async () => {
      await server.device(
        app,
        {},
        {
          raw: '{"cmd":1,"token":"tok-6","attributeInfo":{"attributeMap":{"__proto__":"p","等级":"级级级"}}}',
        },
      );
      const map = await query('tok-6');
      expect(Object.getOwnPropertyNames(map).sort()).toEqual(['__proto__', '等级']);
      expect(map.等级).toBe('级级级');
      expect(({} as Record<string, unknown>).p).toBeUndefined();
    });

    it('enforces the 50-byte limits in bytes, atomically', async () => {
      await set('tok-7', { level: 'before' });
      const refused = await set('tok-7', { level: 'ok', city: '级'.repeat(17) });
      expect(refused).toEqual({
        status: 200,
        body: {
          retCode: 1008007,
          errMsg: 'attributeMap["city"]: value is 51 bytes of UTF-8; the limit is 50 bytes',
        },
      });
      expect(await query('tok-7')).toEqual({ level: 'before' });
      expect((await set('tok-7', { city: `${'级'.repeat(16)}ab` })).body.retCode).toBe(0);
    });

    it('answers 1008001 for bodies that are not JSON objects', async () => {
      for (const raw of ['', 'not json', '[1,2]', '"text"', '{"cmd":5,', 'null']) {
        const response = await server.device(app, {}, { raw });
        expect(response.status).toBe(200);
        expect(response.body.retCode).toBe(1008001);
        expect(response.body.errMsg).toMatch(/body/);
      }
    });

    it('answers 1008001 for invalid UTF-8 and for a body over the limit', async () => {
      const bad = await fetch(`${server.url}${PATH}`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${app.accessId}:${app.secretKey}`).toString('base64')}`,
        },
        body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      });
      expect((await bad.json()) as any).toEqual({
        retCode: 1008001,
        errMsg: 'request body is not valid UTF-8',
      });
      const big = await server.device(
        app,
        {},
        { raw: JSON.stringify({ cmd: 5, token: 't', pad: 'x'.repeat(70_000) }) },
      );
      expect(big).toEqual({
        status: 200,
        body: { retCode: 1008001, errMsg: 'request body is larger than the limit of 65536 bytes' },
      });
    });

    it('answers 1008002, 1008007, 1008029 and 1008035 with messages that name the field', async () => {
      expect((await server.device(app, { token: 't' })).body).toEqual({
        retCode: 1008002,
        errMsg: 'missing parameter: cmd',
      });
      expect((await server.device(app, { cmd: 1, token: 't' })).body.retCode).toBe(1008002);
      expect((await server.device(app, { cmd: 7, token: 't' })).body.errMsg).toMatch(/cmd 7 is unknown/);
      expect((await server.device(app, { cmd: '5', token: 't' })).body.retCode).toBe(1008007);
      expect((await server.device(app, { cmd: 5, token: '' })).body.retCode).toBe(1008029);
      expect((await server.device(app, { cmd: 5, token: 42 })).body.retCode).toBe(1008029);
      expect((await server.device(app, { cmd: 5, token: 'has space' })).body.retCode).toBe(1008029);
      expect(
        (await server.device(app, { cmd: 5, token: 't', accessId: app.accessId + 1 })).body.retCode,
      ).toBe(1008035);
      expect((await server.device(app, { cmd: 5, token: 't', accessId: app.accessId })).body.retCode).toBe(0);
      expect((await set('t', { level: 7 })).body.errMsg).toBe(
        'attributeMap["level"]: value must be a JSON string, got the number 7',
      );
      expect((await set('t', {})).body.errMsg).toBe('attributeInfo.attributeMap must not be empty');
    });

    it('refuses past 50 attributes per token, atomically, and never for deletes', async () => {
      const many = await server.newApp(Array.from({ length: 55 }, (_, i) => `k${i}`));
      const put = (map: Record<string, string>, cmd = 1) =>
        server.device(many, { cmd, token: 'full', attributeInfo: { attributeMap: map } });
      const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
      expect((await put(fifty)).body.retCode).toBe(0);
      const refused = await put({ k0: 'changed', k50: 'v' });
      expect(refused.body).toEqual({
        retCode: 1008007,
        errMsg:
          'token would hold 51 attributes after this request (it holds 50); the limit is 50 attributes per token',
      });
      const after = (await server.device(many, { cmd: 5, token: 'full' })).body.attributeInfo.attributeMap;
      expect(Object.keys(after)).toHaveLength(50);
      expect(after.k0).toBe('v');
      expect((await put({ k0: 'changed', k54: 'undefined? no, defined' }, 3)).body.retCode).toBe(0);
    });

    it('holds the 50 limit under concurrent requests and loses none that were acknowledged', async () => {
      const hot = await server.newApp(Array.from({ length: 70 }, (_, i) => `k${i}`));
      const responses = await Promise.all(
        Array.from({ length: 70 }, (_, i) =>
          server.device(hot, {
            cmd: 1,
            token: 'hot',
            attributeInfo: { attributeMap: { [`k${i}`]: `v${i}` } },
          }),
        ),
      );
      const after = (await server.device(hot, { cmd: 5, token: 'hot' })).body.attributeInfo.attributeMap;
      expect(Object.keys(after)).toHaveLength(50);
      responses.forEach((r, i) => {
        if (r.body.retCode === 0) expect(after[`k${i}`]).toBe(`v${i}`);
        else expect(r.body.retCode).toBe(1008007);
      });
      expect(responses.filter((r) => r.body.retCode === 0)).toHaveLength(50);
    });

    it('isolates apps: the same token string is a different device in each app', async () => {
      const other = await server.newApp(['level']);
      await set('shared', { level: 'mine' });
      await server.device(other, {
        cmd: 1,
        token: 'shared',
        attributeInfo: { attributeMap: { level: 'theirs' } },
      });
      await server.device(other, { cmd: 4, token: 'shared' });
      expect(await query('shared')).toEqual({ level: 'mine' });
      // The other app's secret does not open this app.
      const crossed = await server.device(
        { accessId: app.accessId, secretKey: other.secretKey },
        { cmd: 5, token: 'shared' },
      );
      expect(crossed.body).toEqual({ retCode: 1008003, errMsg: expect.any(String) });
    });

    it('answers every code with HTTP 200 and a catalogue message', async () => {
      const response = await server.device(app, { cmd: 9, token: 't' });
      expect(response.status).toBe(200);
      expect(Object.keys(retCodes)).toContain(String(response.body.retCode));
    });
  });
}
