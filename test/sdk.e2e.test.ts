import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { AdminClient, AdminError, ConnectionError, DeviceClient, TpnsError } from 'attrd/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './support/process.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

for (const kind of storeKinds()) {
  describe(`SDK against a real server (${kind.name})`, () => {
    let server: TestServer;
    let admin: AdminClient;
    beforeAll(async () => {
      server = await startTestServer(await kind.open());
      admin = new AdminClient({ baseUrl: server.url, adminToken: ADMIN_TOKEN });
    });
    afterAll(() => server.close());

    it('manages apps: create, list, show, update, rotate, delete', async () => {
      const app = await admin.createApp({ name: 'sdk app' });
      expect(app).toMatchObject({ name: 'sdk app', region: 'default', rateLimitPerSecond: null });
      expect(app.secretKey).toMatch(/^[0-9a-f]{32}$/);
      expect((await admin.listApps()).map((a) => a.accessId)).toContain(app.accessId);
      expect(await admin.getApp(app.accessId)).toMatchObject({ secretKey: app.secretKey });
      expect(await admin.updateApp(app.accessId, { name: 'renamed', rateLimitPerSecond: 50 })).toMatchObject({
        name: 'renamed',
        rateLimitPerSecond: 50,
      });
      const rotated = await admin.rotateSecret(app.accessId);
      expect(rotated).not.toBe(app.secretKey);
      await admin.deleteApp(app.accessId);
      const gone = await admin.getApp(app.accessId).catch((e) => e);
      expect(gone).toBeInstanceOf(AdminError);
      expect(gone).toMatchObject({ status: 404, code: 'app_not_found' });
    });

    it('manages definitions and reads tokens and the audit log', async () => {
      const app = await admin.createApp({ name: 'defs' });
      expect(await admin.defineAttribute(app.accessId, 'level', 'player level')).toMatchObject({
        name: 'level',
        deviceCount: 0,
      });
      const dup = await admin.defineAttribute(app.accessId, 'level').catch((e) => e);
      expect(dup).toMatchObject({ status: 409, code: 'attribute_exists' });
      const device = new DeviceClient({
        baseUrl: server.url,
        accessId: app.accessId,
        secretKey: app.secretKey,
      });
      await device.setAttributes('tok', { level: '3' });
      expect(await admin.listAttributes(app.accessId)).toMatchObject([{ name: 'level', deviceCount: 1 }]);
      expect(await admin.getAttribute(app.accessId, 'level')).toMatchObject({ description: 'player level' });
      expect(await admin.describeAttribute(app.accessId, 'level', 'new')).toMatchObject({
        description: 'new',
      });
      expect(await admin.getToken(app.accessId, 'tok')).toEqual({ level: '3' });
      await admin.deleteAttribute(app.accessId, 'level');
      expect(await admin.getToken(app.accessId, 'tok')).toEqual({});
      const page = await admin.audit({ limit: 2 });
      expect(page.entries).toHaveLength(2);
      expect(page.entries[0]).toMatchObject({ action: 'attribute.deleted', accessId: app.accessId });
      expect(page.nextBefore).toBeTypeOf('number');
      const bad = await admin.audit({ limit: 0 }).catch((e) => e);
      expect(bad).toMatchObject({ status: 400, code: 'invalid_request' });
    });

    for (const auth of ['signature', 'basic'] as const) {
      it(`runs every device cmd with ${auth} auth`, async () => {
        const app = await admin.createApp({ name: `device ${auth}` });
        for (const name of ['level', 'nickname']) await admin.defineAttribute(app.accessId, name);
        const device = new DeviceClient({
          baseUrl: server.url,
          accessId: app.accessId,
          secretKey: app.secretKey,
          auth,
        });
        expect(await device.setAttributes('t1', { level: '1', nickname: 'Mia', ghost: 'x' })).toEqual({
          invalidAttribute: ['ghost'],
        });
        expect(await device.updateAttributes('t1', { level: '2' })).toEqual({ invalidAttribute: [] });
        expect(await device.getAttributes('t1')).toEqual({ level: '2', nickname: 'Mia' });
        await device.deleteAttributes('t1', ['nickname']);
        expect(await device.getAttributes('t1')).toEqual({ level: '2' });
        await device.clearAttributes('t1');
        expect(await device.getAttributes('t1')).toEqual({});
      });
    }

    it('surfaces TPNS refusals as TpnsError with retCode, errMsg and invalidAttribute', async () => {
      const app = await admin.createApp({ name: 'errors' });
      await admin.defineAttribute(app.accessId, 'level');
      const wrong = new DeviceClient({
        baseUrl: server.url,
        accessId: app.accessId,
        secretKey: 'f'.repeat(32),
      });
      const auth = await wrong.getAttributes('t').catch((e) => e);
      expect(auth).toBeInstanceOf(TpnsError);
      expect(auth).toMatchObject({ retCode: 1008003 });
      const device = new DeviceClient({
        baseUrl: server.url,
        accessId: app.accessId,
        secretKey: app.secretKey,
      });
      const tooLong = await device.setAttributes('t', { level: 'x'.repeat(51) }).catch((e) => e);
      expect(tooLong).toMatchObject({ retCode: 1008007 });
      expect(tooLong.errMsg).toMatch(/50 bytes/);
      const badToken = await device.getAttributes('has space').catch((e) => e);
      expect(badToken).toBeInstanceOf(TpnsError);
      const noAdmin = await new AdminClient({ baseUrl: server.url, adminToken: 'wrong-token-0123456789' })
        .listApps()
        .catch((e) => e);
      expect(noAdmin).toMatchObject({ status: 401, code: 'unauthorized' });
    });
  });
}

describe('SDK transport', () => {
  let hits = 0;
  let status = 503;
  let flaky: Server;
  let flakyUrl: string;
  beforeAll(async () => {
    flaky = createServer((_req, res) => {
      hits++;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'store_unavailable', message: 'down' } }));
    });
    flaky.listen(0, '127.0.0.1');
    await once(flaky, 'listening');
    flakyUrl = `http://127.0.0.1:${(flaky.address() as { port: number }).port}`;
  });
  afterAll(() => flaky.close());

  it('retries 5xx up to its attempts, then reports the last answer', async () => {
    hits = 0;
    status = 503;
    const admin = new AdminClient({ baseUrl: flakyUrl, adminToken: 't', attempts: 3, backoffMs: 1 });
    await expect(admin.listApps()).rejects.toMatchObject({ status: 503, code: 'store_unavailable' });
    expect(hits).toBe(3);
  });

  it('does not retry a 4xx', async () => {
    hits = 0;
    status = 404;
    const admin = new AdminClient({ baseUrl: flakyUrl, adminToken: 't', attempts: 3, backoffMs: 1 });
    await expect(admin.listApps()).rejects.toBeInstanceOf(AdminError);
    expect(hits).toBe(1);
  });

  it('reports a server that is down as a ConnectionError after every attempt', async () => {
    const port = await freePort();
    const device = new DeviceClient({
      baseUrl: `http://127.0.0.1:${port}`,
      accessId: 1,
      secretKey: 's',
      attempts: 3,
      backoffMs: 1,
    });
    const error = await device.getAttributes('t').catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.attempts).toBe(3);
    expect(error.message).toMatch(/after 3 attempt/);
  });

  it('times out a server that never answers', async () => {
    const silent = createServer(() => {
      // never answers
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}`;
    const started = Date.now();
    const error = await new AdminClient({
      baseUrl: url,
      adminToken: 't',
      timeoutMs: 200,
      attempts: 2,
      backoffMs: 1,
    })
      .listApps()
      .catch((e) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error.message).toMatch(/no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(3000);
    silent.closeAllConnections();
    silent.close();
  });
});

describe('attrd/client', () => {
  it('pulls in no server code: only src/client and the shared signing code', async () => {
    const { readFileSync } = await import('node:fs');
    const { dirname, join, relative, resolve } = await import('node:path');
    const root = resolve(import.meta.dirname, '..');
    const seen = new Set<string>();
    const packages = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const [, spec] of readFileSync(file, 'utf8').matchAll(
        /^(?:import|export)[^;]*?from '([^']+)'/gms,
      )) {
        if (spec!.startsWith('.')) visit(join(dirname(file), spec!.replace(/\.js$/, '.ts')));
        else packages.add(spec!);
      }
    };
    visit(join(root, 'src/client/index.ts'));
    const files = [...seen].map((f) => relative(root, f)).sort();
    expect(files.filter((f) => !f.startsWith('src/client/'))).toEqual(['src/auth/sign.ts']);
    expect([...packages].filter((p) => !p.startsWith('node:'))).toEqual([]);
  });
});
