import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { basicAuthorization } from '../src/auth/sign.js';
import { retCodes } from '../src/domain/errors.js';
import { parseDeviceRequest } from '../src/domain/request.js';
import { startTestServer, type TestApp, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

const TRAPS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const prototypeSnapshot = () => Object.getOwnPropertyNames(Object.prototype).sort().join();
const before = prototypeSnapshot();

const names = fc.oneof(
  fc.constantFrom(...TRAPS, 'level', 'nick', ''),
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('\ud800', 'a\udc00b', '\u0000', 'x'.repeat(51), '等'.repeat(17)),
);
const values = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.constantFrom('\ud800', 'v'.repeat(51), '', '\u0007'),
  fc.jsonValue({ maxDepth: 2 }),
);
const hugeNumbers = fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 1.5, Number.MAX_SAFE_INTEGER);
const tokens = fc.oneof(
  fc.constant('hostile-tok'),
  fc.string({ maxLength: 70 }),
  fc.constantFrom('', ' ', 't'.repeat(65), '\ud800', 'tok\n'),
  fc.jsonValue({ maxDepth: 1 }),
);
/** Bodies shaped like device requests, with every part possibly wrong. */
const requestLike = fc.record(
  {
    cmd: fc.oneof(fc.integer({ min: 0, max: 6 }), hugeNumbers, fc.jsonValue({ maxDepth: 1 })),
    token: tokens,
    accessId: fc.oneof(hugeNumbers, fc.string({ maxLength: 5 })),
    attributeInfo: fc.oneof(
      fc.record({ attributeMap: fc.dictionary(names, values, { maxKeys: 8 }) }),
      fc.jsonValue({ maxDepth: 2 }),
    ),
  },
  { requiredKeys: [] },
);
const deep = fc.integer({ min: 1, max: 5000 }).map((n) => `${'['.repeat(n)}${']'.repeat(n)}`);
const rawBodies: fc.Arbitrary<Buffer> = fc.oneof(
  requestLike.map((b) => Buffer.from(JSON.stringify(b))),
  fc.jsonValue().map((b) => Buffer.from(JSON.stringify(b) ?? 'null')),
  fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  deep.map((s) => Buffer.from(s)),
  fc
    .constantFrom(
      '{"cmd":1e999,"token":"hostile-tok"}',
      '{"cmd":1,"token":"hostile-tok","attributeInfo":{"attributeMap":{"level":"\\ud800"}}}',
      '{"__proto__":{"polluted":"yes"},"cmd":5,"token":"hostile-tok"}',
      '{"cmd":1,"token":"hostile-tok","attributeInfo":{"attributeMap":{"__proto__":"p","constructor":"c"}}}',
      `{"cmd":1,"token":"hostile-tok","attributeInfo":{"attributeMap":{"level":"${'x'.repeat(60_000)}"}}}`,
      '{"cmd":1,"token":"hostile-tok"',
      '\ufeff{"cmd":5,"token":"hostile-tok"}',
    )
    .map((s) => Buffer.from(s)),
  fc.constant(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), // {"\xff\xfe"}: invalid UTF-8
);

describe('the validator under hostile input', () => {
  it('never throws, and always answers success or a catalogued retCode with a message', () => {
    fc.assert(
      fc.property(fc.oneof(requestLike, fc.anything(), fc.jsonValue()), (body) => {
        const result = parseDeviceRequest(body, 1500000001);
        if (!result.ok) {
          expect(Object.keys(retCodes)).toContain(String(result.failure.retCode));
          expect(result.failure.errMsg.length).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
    expect(prototypeSnapshot()).toBe(before);
  });

  it('takes __proto__, constructor and prototype as plain attribute names', () => {
    const parsed = parseDeviceRequest(
      JSON.parse(
        '{"cmd":1,"token":"t","attributeInfo":{"attributeMap":{"__proto__":"a","constructor":"b","prototype":"c"}}}',
      ),
      1,
    );
    expect(parsed).toEqual({
      ok: true,
      value: {
        cmd: 1,
        token: 't',
        attributes: [
          ['__proto__', 'a'],
          ['constructor', 'b'],
          ['prototype', 'c'],
        ],
      },
    });
    expect(({} as any).a).toBeUndefined();
  });
});

for (const kind of storeKinds()) {
  describe(`the device endpoint under hostile input (${kind.name})`, () => {
    let server: TestServer;
    let app: TestApp;
    beforeAll(async () => {
      server = await startTestServer(await kind.open());
      app = await server.newApp(['level', 'nick', ...TRAPS]);
      await server.device(app, {
        cmd: 1,
        token: 'hostile-tok',
        attributeInfo: { attributeMap: { level: '1' } },
      });
    });
    afterAll(() => server.close());

    const send = async (raw: Buffer) => {
      const response = await fetch(`${server.url}/v3/device/set_custom_attribute`, {
        method: 'POST',
        headers: {
          authorization: basicAuthorization(app.accessId, app.secretKey),
          'content-type': 'application/json',
        },
        body: raw,
      });
      return { status: response.status, text: await response.text() };
    };
    const read = async () =>
      JSON.stringify((await server.device(app, { cmd: 5, token: 'hostile-tok' })).body.attributeInfo);

    it('never answers 500, never half-applies a refused write, keeps answering', async () => {
      await fc.assert(
        fc.asyncProperty(rawBodies, async (raw) => {
          const stored = await read();
          const { status, text } = await send(raw);
          expect(status).not.toBe(500);
          const body = JSON.parse(text);
          expect(Object.keys(retCodes)).toContain(String(body.retCode));
          if (body.retCode !== 0) expect(await read()).toBe(stored);
        }),
        { numRuns: 250 },
      );
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
      expect(prototypeSnapshot()).toBe(before);
      expect(({} as any).polluted).toBeUndefined();
    });

    it('stores __proto__, constructor and prototype as plain names, with no pollution', async () => {
      const attributeMap = { level: '2', __proto__: 'p', constructor: 'c', prototype: 'q' };
      const raw = JSON.stringify({ cmd: 1, token: 'trap-tok', attributeInfo: { attributeMap: {} } }).replace(
        '{}',
        '{"level":"2","__proto__":"p","constructor":"c","prototype":"q"}',
      );
      expect(JSON.parse((await send(Buffer.from(raw))).text)).toEqual({ retCode: 0, errMsg: 'success' });
      const map = (await server.device(app, { cmd: 5, token: 'trap-tok' })).body.attributeInfo.attributeMap;
      expect(Object.getOwnPropertyNames(map).sort()).toEqual([
        '__proto__',
        'constructor',
        'level',
        'prototype',
      ]);
      expect(map.level).toBe(attributeMap.level);
      expect(Object.getOwnPropertyDescriptor(map, '__proto__')?.value).toBe('p');
      expect(prototypeSnapshot()).toBe(before);
    });

    it('admin API: hostile bodies get 4xx with an error code, never 500', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(
            'POST /apps',
            `POST /apps/${app.accessId}/attributes`,
            `PATCH /apps/${app.accessId}`,
          ),
          fc.oneof(
            fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null'),
            fc
              .record(
                { name: names, description: values, rateLimitPerSecond: fc.jsonValue({ maxDepth: 1 }) },
                { requiredKeys: [] },
              )
              .map((v) => JSON.stringify(v)),
            fc.string({ maxLength: 100 }),
            fc.constant('{"__proto__":{"polluted":1},"name":"__proto__"}'),
          ),
          async (route, raw) => {
            const [method, path] = route.split(' ') as [string, string];
            const response = await fetch(`${server.url}/admin/v1${path}`, {
              method,
              headers: {
                authorization: 'Bearer test-admin-token-0123456789abcdef',
                'content-type': 'application/json',
              },
              body: raw,
            });
            expect(response.status).toBeLessThan(500);
            const body = (await response.json()) as any;
            if (response.status >= 400) expect(typeof body.error.code).toBe('string');
          },
        ),
        { numRuns: 150 },
      );
      expect(prototypeSnapshot()).toBe(before);
      expect(({} as any).polluted).toBeUndefined();
    });
  });
}
