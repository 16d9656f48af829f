import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { basicAuthorization, sign } from '../src/auth/sign.js';
import { startAttrd } from './support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'attrd-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe('logs', () => {
  it('hold one JSON line per request with a request id, and no secret or attribute value', async () => {
    const sealKey = randomBytes(32).toString('base64');
    const metricsToken = `metrics-${randomBytes(12).toString('hex')}`;
    const server = await startAttrd({
      ATTRD_DATABASE: `sqlite:${join(dir, 'logs.db')}`,
      ATTRD_LOG_LEVEL: 'trace',
      ATTRD_SECRET_KEYS: `k1:${sealKey}`,
      ATTRD_METRICS_TOKEN: metricsToken,
    });
    try {
      const adminToken = /attrd_[A-Za-z0-9_-]{43}/.exec(server.output())![0];
      const admin = async (method: string, path: string, body?: unknown) => {
        const r = await fetch(`${server.url}/admin/v1${path}`, {
          method,
          headers: {
            authorization: `Bearer ${adminToken}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        const text = await r.text();
        return { status: r.status, body: text ? JSON.parse(text) : undefined };
      };
      const created = await admin('POST', '/apps', { name: 'log-app-name' });
      const { accessId } = created.body;
      await admin('POST', `/apps/${accessId}/attributes`, {
        name: 'secretattr',
        description: 'described-here',
      });
      await admin('PATCH', `/apps/${accessId}/attributes/secretattr`, { description: 'described-again' });
      await admin('PATCH', `/apps/${accessId}`, { rateLimitPerSecond: 1000 });
      const rotated = await admin('POST', `/apps/${accessId}/secret`);
      const secretKey: string = rotated.body.secretKey;
      const values = ['VALUE-one-7f3a', 'VALUE-two-9c1e', 'VALUE-three-d2b4'];
      const device = async (body: unknown, scheme: 'basic' | 'signature' | 'wrong') => {
        const raw = JSON.stringify(body);
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          'x-request-id': `rid-${scheme}`,
        };
        if (scheme === 'signature') {
          const ts = String(Math.floor(Date.now() / 1000));
          Object.assign(headers, {
            AccessId: String(accessId),
            TimeStamp: ts,
            Sign: sign(secretKey, ts, String(accessId), raw),
          });
        } else {
          headers.authorization = basicAuthorization(
            accessId,
            scheme === 'wrong' ? 'WRONG-secret-5e6f7a8b' : secretKey,
          );
        }
        const r = await fetch(`${server.url}/v3/device/set_custom_attribute`, {
          method: 'POST',
          headers,
          body: raw,
        });
        return { status: r.status, body: (await r.json()) as any, headers };
      };
      const signed = await device(
        { cmd: 1, token: 'log-token-1', attributeInfo: { attributeMap: { secretattr: values[0] } } },
        'signature',
      );
      expect(signed.body.retCode).toBe(0);
      await device(
        { cmd: 2, token: 'log-token-1', attributeInfo: { attributeMap: { secretattr: values[1] } } },
        'basic',
      );
      await device(
        { cmd: 1, token: 'log-token-1', attributeInfo: { attributeMap: { secretattr: values[2] } } },
        'wrong',
      );
      await device(
        { cmd: 1, token: 'log-token-1', attributeInfo: { attributeMap: { undefinedattr: values[2] } } },
        'basic',
      );
      await device({ cmd: 5, token: 'log-token-1' }, 'basic');
      await fetch(`${server.url}/v3/device/set_custom_attribute`, {
        method: 'POST',
        headers: { authorization: basicAuthorization(accessId, secretKey) },
        body: `{"cmd":1,"token":"t","attributeInfo":{"attributeMap":{"secretattr":"${values[2]}"`,
      });
      await admin('GET', `/apps/${accessId}`);
      await admin('GET', `/apps/${accessId}/tokens/log-token-1`);
      await admin('GET', '/audit');
      await fetch(`${server.url}/admin/v1/apps`, {
        headers: { authorization: 'Bearer WRONG-admin-token-0123456789' },
      });
      await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
      await fetch(`${server.url}/readyz`);
      await admin('DELETE', `/apps/${accessId}/attributes/secretattr`);
      await admin('DELETE', `/apps/${accessId}`);
      await new Promise((r) => setTimeout(r, 300));

      const output = server.output();
      if (process.env.SHOW_LOGS) console.log(output);
      const secrets = [
        created.body.secretKey,
        secretKey,
        sealKey,
        metricsToken,
        'WRONG-secret-5e6f7a8b',
        'WRONG-admin-token-0123456789',
        basicAuthorization(accessId, secretKey).slice(6),
        ...values,
      ];
      for (const secret of secrets) expect(count(output, secret), secret).toBe(0);
      const lines = output.split('\n').filter((l) => l.startsWith('{'));
      const requests = lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
      expect(requests.length).toBeGreaterThanOrEqual(18);
      for (const line of requests) {
        expect(line).toMatchObject({
          reqId: expect.any(String),
          route: expect.any(String),
          status: expect.any(Number),
        });
        expect(line.ms).toBeGreaterThanOrEqual(0);
      }
      expect(requests.find((l) => l.reqId === 'rid-signature')).toMatchObject({
        route: '/v3/device/set_custom_attribute',
        status: 200,
        cmd: 1,
        retCode: 0,
      });
      expect(requests.find((l) => l.reqId === 'rid-wrong')).toMatchObject({ retCode: 1008003 });
      // the bootstrap admin token: printed once, in its announcement, and nowhere else
      expect(count(output, adminToken)).toBe(1);
      const tokenLine = output.split('\n').find((l) => l.includes(adminToken))!;
      expect(tokenLine.trim()).toBe(adminToken);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
