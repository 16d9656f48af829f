import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

for (const kind of storeKinds()) {
  describe(`audit log covers every admin change (${kind.name})`, () => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer(await kind.open());
    });
    afterAll(() => server.close());

    it('records each change once, in order, and nothing for reads or refused changes', async () => {
      const app = await server.newApp();
      const id = app.accessId;
      const steps: Array<[string, string, unknown, string]> = [
        ['POST', `/apps/${id}/attributes`, { name: 'tier', description: 'a' }, 'attribute.created'],
        ['PATCH', `/apps/${id}/attributes/tier`, { description: 'b' }, 'attribute.updated'],
        ['PATCH', `/apps/${id}`, { name: 'renamed', rateLimitPerSecond: 7 }, 'app.updated'],
        ['POST', `/apps/${id}/secret`, undefined, 'app.secret_rotated'],
        ['DELETE', `/apps/${id}/attributes/tier`, undefined, 'attribute.deleted'],
        ['DELETE', `/apps/${id}`, undefined, 'app.deleted'],
      ];
      for (const [method, path, body] of steps) {
        expect((await server.admin(method, path, body)).status).toBeLessThan(300);
        // reads and refused changes leave no entry
        await server.admin('GET', `/apps/${id}`);
        await server.admin('POST', `/apps/${id}/attributes`, { name: '' });
      }
      const { body } = await server.admin('GET', '/audit?limit=1000');
      const mine = body.entries.filter((e: any) => e.accessId === id).reverse();
      expect(mine.map((e: any) => e.action)).toEqual(['app.created', ...steps.map((s) => s[3])]);
      expect(mine.find((e: any) => e.action === 'app.updated').detail).toEqual({
        name: 'renamed',
        rateLimitPerSecond: 7,
      });
      for (const e of mine) expect(e.actor).toBe('admin-api 127.0.0.1');
    });

    it('is only readable with the admin token', async () => {
      const response = await fetch(`${server.url}/admin/v1/audit`);
      expect(response.status).toBe(401);
    });
  });
}
