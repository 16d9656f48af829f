import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

for (const kind of storeKinds()) {
  describe(`metrics and request ids (${kind.name})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(await kind.open(), { ATTRD_METRICS_TOKEN: METRICS_TOKEN });
    });
    afterAll(() => server.close());

    const metrics = async () => {
      const response = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}` },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
      return response.text();
    };

    it('counts requests by route, cmd and retCode, with latency, store and batch figures', async () => {
      const app = await server.newApp(['level']);
      const ok = await server.device(app, {
        cmd: 1,
        token: 'tok-m',
        attributeInfo: { attributeMap: { level: 'gold' } },
      });
      expect(ok.body.retCode).toBe(0);
      const read = await server.device(app, { cmd: 5, token: 'tok-m' });
      expect(read.body).toEqual({
        retCode: 0,
        errMsg: 'success',
        attributeInfo: { attributeMap: { level: 'gold' } },
      });
      const bad = await server.device(app, { cmd: 9 });
      expect(bad.body.retCode).not.toBe(0);
      const text = await metrics();
      expect(text).toMatch(
        /attrd_http_requests_total\{route="\/v3\/device\/set_custom_attribute",method="POST",status="200",cmd="1",retCode="0"\} 1/,
      );
      expect(text).toMatch(new RegExp(`attrd_http_requests_total\\{[^}]*retCode="${bad.body.retCode}"\\} 1`));
      expect(text).toMatch(
        /attrd_http_request_duration_seconds_bucket\{le="[^"]+",route="\/v3\/device\/set_custom_attribute",method="POST"\}/,
      );
      expect(text).toMatch(
        /attrd_store_operation_duration_seconds_count\{op="writeAttributes",outcome="ok"\} [1-9]/,
      );
      expect(text).toMatch(
        /attrd_store_operation_duration_seconds_count\{op="createApp",outcome="ok"\} [1-9]/,
      );
      expect(text).toMatch(
        /attrd_store_operation_duration_seconds_count\{op="readAttributesJson",outcome="ok"\} 1\n/,
      );
      if (server.store.onWriteBatch) expect(text).toMatch(/attrd_store_write_batch_size_count [1-9]/);
      expect(text).toMatch(/attrd_process_resident_memory_bytes \d/);
      // nothing secret or valuable in the metrics
      expect(text).not.toContain(app.secretKey);
      expect(text).not.toContain('gold');
    });

    it('requires the metrics token when one is configured', async () => {
      expect((await fetch(`${server.url}/metrics`)).status).toBe(401);
      const wrong = await fetch(`${server.url}/metrics`, {
        headers: { authorization: `Bearer ${METRICS_TOKEN}x` },
      });
      expect(wrong.status).toBe(401);
      expect(((await wrong.json()) as any).error.code).toBe('unauthorized');
    });

    it('echoes a sane x-request-id and makes one up otherwise', async () => {
      const given = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'abc-123' } });
      expect(given.headers.get('x-request-id')).toBe('abc-123');
      const made = await fetch(`${server.url}/healthz`);
      expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const hostile = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'x'.repeat(500) } });
      expect(hostile.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      const notFound = await fetch(`${server.url}/nope`, { headers: { 'x-request-id': 'r-404' } });
      expect(notFound.headers.get('x-request-id')).toBe('r-404');
    });
  });
}

describe('metrics without a token', () => {
  it('is open when ATTRD_METRICS_TOKEN is unset', async () => {
    const server = await startTestServer(await storeKinds()[0]!.open());
    try {
      const response = await fetch(`${server.url}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('attrd_http_requests_total');
    } finally {
      await server.close();
    }
  });
});
