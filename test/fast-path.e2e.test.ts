import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { DEVICE_PATH } from '../src/api/device.js';
import { fastPathLength } from '../src/api/fast-path.js';
import { hashAdminToken } from '../src/auth/admin-token.js';
import { basicAuthorization, sign } from '../src/auth/sign.js';
import { loadConfig } from '../src/config.js';
import { RetCode } from '../src/domain/errors.js';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite.js';
import { ADMIN_TOKEN } from './support/server.js';

const BODY_LIMIT = 2048;
const dir = mkdtempSync(join(tmpdir(), 'attrd-fast-path-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** A raw POST: with a Content-Length, or chunked (no Content-Length) in two parts. */
function post(
  url: string,
  path: string,
  headers: Record<string, string>,
  body: Buffer,
  framing: 'length' | 'chunked',
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      `${url}${path}`,
      {
        method: 'POST',
        headers: framing === 'length' ? { ...headers, 'content-length': String(body.length) } : headers,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    request.on('error', reject);
    if (framing === 'chunked') {
      request.write(body.subarray(0, body.length >> 1));
      request.end(body.subarray(body.length >> 1));
    } else {
      request.end(body);
    }
  });
}

describe('the device fast path', () => {
  let app: FastifyInstance;
  let store: SqliteStore;
  let url: string;
  let accessId: number;
  let secretKey: string;
  const lines: Array<Record<string, unknown>> = [];

  beforeAll(async () => {
    store = openSqliteStore({ path: join(dir, 'fast.db') });
    const config = loadConfig({
      ATTRD_ADMIN_TOKEN: ADMIN_TOKEN,
      ATTRD_PORT: '0',
      ATTRD_HOST: '127.0.0.1',
      ATTRD_BODY_LIMIT_BYTES: String(BODY_LIMIT),
    });
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
    app = await createApp({ store, config, adminTokenHash: hashAdminToken(ADMIN_TOKEN), logger });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
    const admin = async (path: string, body: unknown) =>
      (
        await fetch(`${url}/admin/v1${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      ).json();
    ({ accessId, secretKey } = (await admin('/apps', { name: 'fast' })) as {
      accessId: number;
      secretKey: string;
    });
    await admin(`/apps/${accessId}/attributes`, { name: 'nickname' });
  });
  afterAll(async () => {
    await app.close();
    await store.close();
  });

  const basic = () => ({ authorization: basicAuthorization(accessId, secretKey) });
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  const cases: Record<string, () => { headers: Record<string, string>; body: Buffer }> = {
    'a Basic write': () => ({
      headers: basic(),
      body: json({ cmd: 1, token: 'same', attributeInfo: { attributeMap: { nickname: 'Mia' } } }),
    }),
    'a read': () => ({ headers: basic(), body: json({ cmd: 5, token: 'same' }) }),
    'a write naming an undefined attribute': () => ({
      headers: basic(),
      body: json({ cmd: 1, token: 'same', attributeInfo: { attributeMap: { nickname: 'Mia', nope: '1' } } }),
    }),
    'a signed write': () => {
      const body = json({ cmd: 2, token: 'same', attributeInfo: { attributeMap: { nickname: 'Mia' } } });
      const timeStamp = String(Math.floor(Date.now() / 1000));
      return {
        headers: {
          AccessId: String(accessId),
          TimeStamp: timeStamp,
          Sign: sign(secretKey, timeStamp, String(accessId), body.toString()),
        },
        body,
      };
    },
    'a wrong secret': () => ({
      headers: { authorization: basicAuthorization(accessId, 'wrong-secret') },
      body: json({ cmd: 5, token: 'same' }),
    }),
    'no credentials': () => ({ headers: {}, body: json({ cmd: 5, token: 'same' }) }),
    'broken JSON': () => ({ headers: basic(), body: Buffer.from('{"cmd":') }),
    'an empty body': () => ({ headers: basic(), body: Buffer.alloc(0) }),
    'a body that is not UTF-8': () => ({ headers: basic(), body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }),
    'an unknown cmd': () => ({ headers: basic(), body: json({ cmd: 9, token: 'same' }) }),
  };

  for (const [name, make] of Object.entries(cases)) {
    it(`answers ${name} as Fastify's route does: status, body, headers, log line`, async () => {
      const answers: Answer[] = [];
      const logged: Array<Record<string, unknown>> = [];
      const ways: Array<[string, 'length' | 'chunked']> = [
        [DEVICE_PATH, 'length'], // the fast path
        [`${DEVICE_PATH}?via=fastify`, 'length'], // Fastify: a query string
        [DEVICE_PATH, 'chunked'], // Fastify: no Content-Length
      ];
      for (const [i, [path, framing]] of ways.entries()) {
        const { headers, body } = make();
        const requestId = `rid-${name.replaceAll(' ', '-')}-${i}`;
        lines.length = 0;
        const answer = await post(url, path, { ...headers, 'x-request-id': requestId }, body, framing);
        expect(answer.headers['x-request-id']).toBe(requestId);
        answers.push(answer);
        const line = lines.find((l) => l.msg === 'request');
        expect(line).toMatchObject({ reqId: requestId, route: DEVICE_PATH, method: 'POST' });
        const { time, ms, reqId, ...rest } = line!;
        expect(typeof ms).toBe('number');
        logged.push(rest);
      }
      const [fast, ...fastify] = answers;
      expect(JSON.parse(fast!.body)).toHaveProperty('retCode');
      for (const other of fastify) {
        expect(other.status).toBe(fast!.status);
        expect(other.body).toBe(fast!.body);
        expect(other.headers['content-type']).toBe(fast!.headers['content-type']);
        expect(other.headers['content-length']).toBe(fast!.headers['content-length']);
      }
      expect(logged[1]).toEqual(logged[0]);
      expect(logged[2]).toEqual(logged[0]);
    });
  }

  it('gives a new request id when the client gives none or an unusable one', async () => {
    const { headers, body } = cases['a read']!();
    const plain = await post(url, DEVICE_PATH, headers, body, 'length');
    expect(plain.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await post(url, DEVICE_PATH, { ...headers, 'x-request-id': 'with space' }, body, 'length');
    expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('leaves a body over the limit to Fastify, which refuses it in TPNS form', async () => {
    const big = Buffer.from(JSON.stringify({ cmd: 5, token: 'x'.repeat(BODY_LIMIT) }));
    for (const framing of ['length', 'chunked'] as const) {
      const answer = await post(url, DEVICE_PATH, basic(), big, framing);
      expect(JSON.parse(answer.body)).toEqual({
        retCode: RetCode.ParseError,
        errMsg: `request body is larger than the limit of ${BODY_LIMIT} bytes`,
      });
    }
  });

  it('counts its requests in the same metrics as Fastify’s route', async () => {
    const metric = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith(
            `attrd_http_requests_total{route="${DEVICE_PATH}",method="POST",status="200",cmd="5",retCode="0"}`,
          ),
        );
      return Number(line?.split(' ')[1] ?? 0);
    };
    const before = await metric();
    const { headers, body } = cases['a read']!();
    await post(url, DEVICE_PATH, headers, body, 'length');
    expect(await metric()).toBe(before + 1);
    await post(url, `${DEVICE_PATH}?via=fastify`, headers, body, 'length');
    expect(await metric()).toBe(before + 2);
  });

  it('takes only plainly framed POSTs to the exact path', () => {
    const take = (method: string, path: string, headers: Record<string, string>) =>
      fastPathLength({ method, url: path, headers } as never, BODY_LIMIT);
    expect(take('POST', DEVICE_PATH, { 'content-length': '10' })).toBe(10);
    expect(take('POST', DEVICE_PATH, { 'content-length': '0' })).toBe(0);
    expect(take('POST', DEVICE_PATH, { 'content-length': String(BODY_LIMIT) })).toBe(BODY_LIMIT);
    expect(take('POST', DEVICE_PATH, { 'content-length': String(BODY_LIMIT + 1) })).toBeUndefined();
    expect(take('POST', DEVICE_PATH, {})).toBeUndefined();
    expect(take('POST', DEVICE_PATH, { 'content-length': '1e3' })).toBeUndefined();
    expect(take('POST', DEVICE_PATH, { 'transfer-encoding': 'chunked' })).toBeUndefined();
    expect(take('GET', DEVICE_PATH, { 'content-length': '10' })).toBeUndefined();
    expect(take('POST', `${DEVICE_PATH}/`, { 'content-length': '10' })).toBeUndefined();
    expect(take('POST', `${DEVICE_PATH}?a=1`, { 'content-length': '10' })).toBeUndefined();
  });
});
