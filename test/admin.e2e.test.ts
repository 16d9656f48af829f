import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

for (const kind of storeKinds()) {
  describe(`admin API over HTTP (${kind.name})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(await kind.open());
    });
    afterAll(async () => server.close());

    it('refuses a missing or wrong admin token with 401', async () => {
      for (const authorization of [undefined, 'Bearer wrong', 'Basic x', 'Bearer ']) {
        const response = await fetch(`${server.url}/admin/v1/apps`, {
          headers: authorization ? { authorization } : {},
        });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(((await response.json()) as any).error.code).toBe('unauthorized');
      }
    });

    it('creates, lists, shows and deletes apps', async () => {
      const created = await server.admin('POST', '/apps', { name: 'Game' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        accessId: expect.any(Number),
        secretKey: expect.stringMatching(/^[0-9a-f]{32}$/),
        name: 'Game',
        region: 'default',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        rateLimitPerSecond: null,
      });
      expect(String(created.body.accessId)).toMatch(/^15\d{8}$/);
      const id = created.body.accessId;
      const listed = await server.admin('GET', '/apps');
      const entry = listed.body.apps.find((a: { accessId: number }) => a.accessId === id);
      expect(entry).toEqual({
        accessId: id,
        name: 'Game',
        region: 'default',
        createdAt: created.body.createdAt,
        rateLimitPerSecond: null,
      });
      expect((await server.admin('GET', `/apps/${id}`)).body).toEqual(created.body);
      expect((await server.admin('DELETE', `/apps/${id}`)).status).toBe(204);
      expect((await server.admin('GET', `/apps/${id}`)).status).toBe(404);
      expect((await server.admin('DELETE', `/apps/${id}`)).body.error.code).toBe('app_not_found');
    });

    it('validates app bodies with 400 naming the field', async () => {
      const cases: Array<[unknown, RegExp]> = [
        [{}, /name is required/],
        [{ name: '' }, /name must not be empty/],
        [{ name: 5 }, /name must be a string/],
        [{ name: 'x'.repeat(101) }, /name is 101 characters; the limit is 100/],
        [{ name: 'ok', region: 'Not Valid' }, /region must be/],
        [[1], /body must be a JSON object/],
      ];
      for (const [body, message] of cases) {
        const response = await server.admin('POST', '/apps', body);
        expect(response.status).toBe(400);
        expect(response.body.error).toEqual({
          code: 'invalid_request',
          message: expect.stringMatching(message),
        });
      }
      const response = await fetch(`${server.url}/admin/v1/apps`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer test-admin-token-0123456789abcdef',
          'content-type': 'application/json',
        },
        body: '{"name":',
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as any).error.code).toBe('invalid_json');
    });

    it('rotates a secret: the new one is returned and shown', async () => {
      const app = await server.newApp();
      const rotated = await server.admin('POST', `/apps/${app.accessId}/secret`);
      expect(rotated.status).toBe(200);
      expect(rotated.body.secretKey).not.toBe(app.secretKey);
      expect((await server.admin('GET', `/apps/${app.accessId}`)).body.secretKey).toBe(
        rotated.body.secretKey,
      );
      expect((await server.admin('POST', '/apps/1599999999/secret')).status).toBe(404);
    });

    it('manages attribute definitions: 201, 409, list, patch, delete', async () => {
      const app = await server.newApp();
      const base = `/apps/${app.accessId}/attributes`;
      const created = await server.admin('POST', base, { name: 'level', description: 'player level' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        name: 'level',
        description: 'player level',
        createdAt: expect.any(String),
        updatedAt: created.body.createdAt,
        deviceCount: 0,
      });
      expect((await server.admin('POST', base, { name: 'level' })).status).toBe(409);
      expect((await server.admin('POST', base, { name: 'level' })).body.error.code).toBe('attribute_exists');
      await server.admin('POST', base, { name: '等级' });
      expect((await server.admin('GET', base)).body.attributes.map((d: { name: string }) => d.name)).toEqual([
        'level',
        '等级',
      ]);
      const patched = await server.admin('PATCH', `${base}/level`, { description: 'new' });
      expect(patched.status).toBe(200);
      expect(patched.body.description).toBe('new');
      expect(
        (await server.admin('PATCH', `${base}/${encodeURIComponent('等级')}`, { description: 'cjk' })).body
          .description,
      ).toBe('cjk');
      expect((await server.admin('PATCH', `${base}/missing`, { description: 'x' })).status).toBe(404);
      expect((await server.admin('PATCH', `${base}/level`, {})).status).toBe(400);
      expect((await server.admin('DELETE', `${base}/level`)).status).toBe(204);
      expect((await server.admin('DELETE', `${base}/level`)).status).toBe(404);
      expect((await server.admin('GET', '/apps/1599999999/attributes')).status).toBe(404);
    });

    it('validates definition names: 50 bytes, no whitespace, no control characters', async () => {
      const app = await server.newApp();
      const base = `/apps/${app.accessId}/attributes`;
      const cases: Array<[unknown, RegExp]> = [
        [{ name: 'n'.repeat(51) }, /51 bytes of UTF-8; the limit is 50 bytes/],
        [{ name: '级'.repeat(17) }, /51 bytes/],
        [{ name: 'first name' }, /whitespace/],
        [{ name: 'tab\there' }, /whitespace|control/],
        [{ name: '' }, /must not be empty/],
        [{ name: 7 }, /name must be a string/],
        [{ name: 'ok', description: 'x'.repeat(201) }, /description is 201 characters; the limit is 200/],
        [{ name: 'ok', description: 5 }, /description must be a string/],
      ];
      for (const [body, message] of cases) {
        const response = await server.admin('POST', base, body);
        expect(response.status).toBe(400);
        expect(response.body.error.message).toMatch(message);
      }
      expect((await server.admin('POST', base, { name: 'n'.repeat(50) })).status).toBe(201);
      expect((await server.admin('GET', base)).body.attributes).toHaveLength(1);
    });

    it('keeps deviceCount exact through sets, overwrites, deletes and clears', async () => {
      const app = await server.newApp(['level', 'city']);
      const counts = async () =>
        Object.fromEntries(
          (await server.admin('GET', `/apps/${app.accessId}/attributes`)).body.attributes.map((d: any) => [
            d.name,
            d.deviceCount,
          ]),
        );
      for (const token of ['a', 'b', 'c']) {
        await server.device(app, { cmd: 1, token, attributeInfo: { attributeMap: { level: '1' } } });
      }
      await server.device(app, {
        cmd: 2,
        token: 'a',
        attributeInfo: { attributeMap: { level: '2', city: 'x' } },
      });
      expect(await counts()).toEqual({ level: 3, city: 1 });
      await server.device(app, { cmd: 3, token: 'b', attributeInfo: { attributeMap: { level: '' } } });
      await server.device(app, { cmd: 4, token: 'a' });
      await server.device(app, { cmd: 4, token: 'a' });
      expect(await counts()).toEqual({ level: 1, city: 0 });
    });

    it('deleting a definition removes its value from every token; redefining starts at zero', async () => {
      const app = await server.newApp(['level', 'city']);
      for (const token of ['a', 'b']) {
        await server.device(app, {
          cmd: 1,
          token,
          attributeInfo: { attributeMap: { level: '1', city: 'x' } },
        });
      }
      await server.admin('DELETE', `/apps/${app.accessId}/attributes/level`);
      expect((await server.device(app, { cmd: 5, token: 'a' })).body.attributeInfo.attributeMap).toEqual({
        city: 'x',
      });
      const response = await server.device(app, {
        cmd: 1,
        token: 'a',
        attributeInfo: { attributeMap: { level: '2' } },
      });
      expect(response.body.invalidAttribute).toEqual(['level']);
      await server.admin('POST', `/apps/${app.accessId}/attributes`, { name: 'level' });
      expect(
        (await server.admin('GET', `/apps/${app.accessId}/attributes`)).body.attributes[1],
      ).toMatchObject({
        name: 'level',
        deviceCount: 0,
      });
    });

    it('deleting an app removes all its data; its credentials stop working', async () => {
      const app = await server.newApp(['level']);
      await server.device(app, { cmd: 1, token: 'a', attributeInfo: { attributeMap: { level: '1' } } });
      await server.admin('DELETE', `/apps/${app.accessId}`);
      expect((await server.device(app, { cmd: 5, token: 'a' })).body.retCode).toBe(1008003);
      expect(await server.store.readAttributes(app.accessId, 'a')).toEqual({});
      expect(await server.store.listDefinitions(app.accessId)).toBeUndefined();
    });

    it('looks up a token', async () => {
      const app = await server.newApp(['level']);
      await server.device(app, { cmd: 1, token: 'tok:1', attributeInfo: { attributeMap: { level: '9' } } });
      expect((await server.admin('GET', `/apps/${app.accessId}/tokens/tok%3A1`)).body).toEqual({
        token: 'tok:1',
        attributes: { level: '9' },
      });
      expect((await server.admin('GET', `/apps/${app.accessId}/tokens/nobody`)).body).toEqual({
        token: 'nobody',
        attributes: {},
      });
      expect((await server.admin('GET', `/apps/${app.accessId}/tokens/${'x'.repeat(65)}`)).status).toBe(400);
      expect((await server.admin('GET', '/apps/1599999999/tokens/x')).status).toBe(404);
      const malformed = await server.admin('GET', `/apps/${app.accessId}/tokens/a%2`);
      expect(malformed.status).toBe(400);
      expect(malformed.body.error.code).toBe('invalid_request');
    });

    it('answers 404 JSON for unknown routes and bad accessIds', async () => {
      expect((await server.admin('GET', '/nothing')).status).toBe(404);
      expect((await server.admin('GET', '/apps/abc')).body.error.code).toBe('app_not_found');
      const unknown = await fetch(`${server.url}/v3/push/all`, { method: 'POST', body: '{}' });
      expect(unknown.status).toBe(404);
    });

    it('changes an app’s name and rate limit with PATCH, validating both', async () => {
      const app = await server.newApp();
      const patched = await server.admin('PATCH', `/apps/${app.accessId}`, {
        name: 'Renamed',
        rateLimitPerSecond: 50,
      });
      expect(patched.status).toBe(200);
      expect(patched.body).toMatchObject({
        name: 'Renamed',
        rateLimitPerSecond: 50,
        secretKey: app.secretKey,
      });
      expect(
        (await server.admin('PATCH', `/apps/${app.accessId}`, { rateLimitPerSecond: null })).body,
      ).toMatchObject({
        name: 'Renamed',
        rateLimitPerSecond: null,
      });
      for (const body of [
        {},
        { rateLimitPerSecond: 0 },
        { rateLimitPerSecond: 1.5 },
        { rateLimitPerSecond: '5' },
        { name: '' },
      ]) {
        const refused = await server.admin('PATCH', `/apps/${app.accessId}`, body);
        expect(refused.status).toBe(400);
        expect(refused.body.error.code).toBe('invalid_request');
      }
      expect((await server.admin('PATCH', '/apps/1599999999', { name: 'x' })).status).toBe(404);
    });

    it('keeps an audit log of admin changes, newest first, without secrets', async () => {
      const app = await server.newApp(['level']);
      await server.admin('PATCH', `/apps/${app.accessId}/attributes/level`, { description: 'd' });
      const rotated = await server.admin('POST', `/apps/${app.accessId}/secret`);
      await server.admin('DELETE', `/apps/${app.accessId}/attributes/level`);
      await server.admin('DELETE', `/apps/${app.accessId}`);
      const { body } = await server.admin('GET', '/audit?limit=1000');
      const mine = body.entries.filter((e: any) => e.accessId === app.accessId);
      expect(mine.map((e: any) => e.action)).toEqual([
        'app.deleted',
        'attribute.deleted',
        'app.secret_rotated',
        'attribute.updated',
        'attribute.created',
        'app.created',
      ]);
      expect(mine[0]).toEqual({
        id: expect.any(Number),
        at: expect.stringMatching(/Z$/),
        actor: 'admin-api 127.0.0.1',
        action: 'app.deleted',
        accessId: app.accessId,
        detail: { name: 'test app' },
      });
      const text = JSON.stringify(body);
      expect(text).not.toContain(app.secretKey);
      expect(text).not.toContain(rotated.body.secretKey);
      const page = await server.admin('GET', '/audit?limit=2');
      expect(page.body.entries).toHaveLength(2);
      const next = await server.admin('GET', `/audit?limit=2&before=${page.body.nextBefore}`);
      expect(next.body.entries[0].id).toBeLessThan(page.body.entries[1].id);
      expect((await server.admin('GET', '/audit?limit=0')).status).toBe(400);
    });
  });

  describe(`admin lockout and rate limits (${kind.name})`, () => {
    it('slows down, then locks out an address after repeated bad admin tokens', async () => {
      const server = await startTestServer(await kind.open(), {
        ATTRD_ADMIN_MAX_FAILURES: '5',
        ATTRD_ADMIN_LOCKOUT_SECONDS: '60',
      });
      try {
        const attempt = (token: string) =>
          fetch(`${server.url}/admin/v1/apps`, { headers: { authorization: `Bearer ${token}` } });
        const started = Date.now();
        for (let i = 0; i < 4; i++) expect((await attempt(`wrong-${i}`)).status).toBe(401);
        expect(Date.now() - started).toBeGreaterThanOrEqual(100); // the 4th failure was answered late
        expect((await attempt('wrong-5')).status).toBe(401);
        const locked = await attempt('test-admin-token-0123456789abcdef');
        expect(locked.status).toBe(429);
        expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(50);
        expect(((await locked.json()) as any).error.code).toBe('too_many_attempts');
      } finally {
        await server.close();
      }
    });

    it('answers 1008028 to an app over its rate, per app, and lets it go on later', async () => {
      let now = 1_800_000_000_000;
      const server = await startTestServer(
        await kind.open(),
        { ATTRD_RATE_LIMIT_PER_SECOND: '3' },
        { now: () => now },
      );
      try {
        const limited = await server.newApp();
        const custom = await server.newApp();
        await server.admin('PATCH', `/apps/${custom.accessId}`, { rateLimitPerSecond: 10 });
        const query = (app: typeof limited) =>
          server.device(app, { cmd: 5, token: 't' }, { scheme: 'basic' });
        const codes = [];
        for (let i = 0; i < 5; i++) codes.push((await query(limited)).body.retCode);
        expect(codes).toEqual([0, 0, 0, 1008028, 1008028]);
        const refused = await query(limited);
        expect(refused).toEqual({
          status: 200,
          body: {
            retCode: 1008028,
            errMsg: `request too fast: app ${limited.accessId} may make 3 requests per second; retry later`,
          },
        });
        for (let i = 0; i < 10; i++) expect((await query(custom)).body.retCode).toBe(0);
        expect((await query(custom)).body.retCode).toBe(1008028);
        now += 1000;
        expect((await query(limited)).body.retCode).toBe(0);
      } finally {
        await server.close();
      }
    });
  });
}
