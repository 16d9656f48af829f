import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { hashAdminToken } from '../src/auth/admin-token.js';
import { loadConfig } from '../src/config.js';
import type { SqliteStore } from '../src/store/sqlite.js';
import { ConsoleClient } from './support/console.js';
import { ADMIN_TOKEN, startTestServer, type TestServer } from './support/server.js';
import { storeKinds } from './support/stores.js';

const XSS = `<script>alert(1)</script>"'\``;

/** The accessId of the app page a redirect points at. */
const accessIdOf = (location: string | null) => Number(/\/console\/apps\/(\d+)/.exec(location ?? '')![1]);

for (const kind of storeKinds()) {
  describe(`web console over HTTP (${kind.name})`, () => {
    let server: TestServer;
    let now = Date.now();
    beforeAll(async () => {
      server = await startTestServer(
        await kind.open(),
        { ATTRD_CONSOLE_SESSION_SECONDS: '600', ATTRD_ADMIN_MAX_FAILURES: '4' },
        { now: () => now },
      );
    });
    afterAll(async () => server.close());

    async function signedIn(): Promise<ConsoleClient> {
      const client = new ConsoleClient(server.url);
      expect((await client.signIn()).status).toBe(303);
      return client;
    }

    async function createApp(client: ConsoleClient, name = 'Game'): Promise<number> {
      const created = await client.post('/console/apps', { name });
      expect(created.status).toBe(303);
      return accessIdOf(created.location);
    }

    it('asks for sign-in before any page and refuses changes without a session', async () => {
      const client = new ConsoleClient(server.url);
      const page = await client.get('/console/apps');
      expect(page.status).toBe(303);
      expect(page.location).toBe('/console/sign-in');
      expect((await client.get('/console')).location).toBe('/console/sign-in');
      const before = (await server.store.listApps()).length;
      const refused = await client.post('/console/apps', { name: 'Sneaky' }, { csrf: 'x' });
      expect(refused.status).toBe(401);
      expect(refused.text).toContain('Sign in again');
      client.cookie = 'attrd_console=forged';
      expect((await client.get('/console/apps')).status).toBe(303);
      expect((await server.store.listApps()).length).toBe(before);
    });

    it('signs in with the admin token into an HttpOnly, SameSite=Strict cookie for /console only', async () => {
      const client = new ConsoleClient(server.url);
      const wrong = await client.post('/console/sign-in', { token: 'not-the-token-at-all' });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('That is not the admin token');
      expect(client.cookie).toBeUndefined();
      const right = await client.post('/console/sign-in', { token: ADMIN_TOKEN });
      expect(right.status).toBe(303);
      expect(right.location).toBe('/console/apps');
      const cookie = right.headers.get('set-cookie')!;
      expect(cookie).toMatch(/^attrd_console=[A-Za-z0-9_-]{43}; /);
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('SameSite=Strict');
      expect(cookie).toContain('Path=/console');
      expect(cookie).toContain('Max-Age=600');
      expect(cookie).not.toContain('Secure');
      expect(cookie).not.toContain(ADMIN_TOKEN);
      const apps = await client.get('/console/apps');
      expect(apps.status).toBe(200);
      expect(apps.text).toContain('<h1>Apps</h1>');
      expect(apps.text).not.toContain(ADMIN_TOKEN);
      // Signed in, the sign-in page sends you on.
      expect((await client.get('/console/sign-in')).location).toBe('/console/apps');
    });

    it('ends a session when it expires', async () => {
      const client = await signedIn();
      now += 599_000;
      expect((await client.get('/console/apps')).status).toBe(200);
      now += 2_000;
      const expired = await client.get('/console/apps');
      expect(expired.status).toBe(303);
      expect(expired.location).toBe('/console/sign-in');
      expect((await client.post('/console/apps', { name: 'Late' })).status).toBe(401);
    });

    it('signs out: the cookie is cleared and the session is gone', async () => {
      const client = await signedIn();
      const cookie = client.cookie;
      expect((await client.post('/console/sign-out', {}, { csrf: null })).status).toBe(403);
      const out = await client.post('/console/sign-out', {});
      expect(out.status).toBe(303);
      expect(out.location).toBe('/console/sign-in?signedOut=1');
      expect(out.headers.get('set-cookie')).toMatch(/^attrd_console=; .*Max-Age=0/);
      expect((await client.get('/console/sign-in?signedOut=1')).text).toContain('You are signed out.');
      client.cookie = cookie;
      expect((await client.get('/console/apps')).status).toBe(303);
    });

    it('refuses a change with a missing or wrong CSRF token, or from a foreign Origin', async () => {
      const client = await signedIn();
      const before = (await server.store.listApps()).length;
      const missing = await client.post('/console/apps', { name: 'A' }, { csrf: null });
      expect(missing.status).toBe(403);
      expect(missing.text).toContain('nothing was changed');
      const wrong = await client.post('/console/apps', { name: 'A' }, { csrf: `${client.csrf!.slice(1)}x` });
      expect(wrong.status).toBe(403);
      const other = new ConsoleClient(server.url);
      await other.signIn();
      expect((await client.post('/console/apps', { name: 'A' }, { csrf: other.csrf! })).status).toBe(403);
      const foreign = await client.post('/console/apps', { name: 'A' }, { origin: 'https://evil.example' });
      expect(foreign.status).toBe(403);
      expect(foreign.text).toContain('not sent from this console');
      const crossSite = await client.post(
        '/console/apps',
        { name: 'A' },
        { origin: null, headers: { 'sec-fetch-site': 'cross-site' } },
      );
      expect(crossSite.status).toBe(403);
      // A JSON body cannot carry the form's token either.
      const json = await fetch(`${server.url}/console/apps`, {
        method: 'POST',
        headers: { cookie: client.cookie!, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'A' }),
      });
      expect(json.status).toBe(403);
      expect((await server.store.listApps()).length).toBe(before);
      expect((await client.post('/console/apps', { name: 'A' })).status).toBe(303);
    });

    it('sends a strict CSP and the other security headers on every page', async () => {
      const client = await signedIn();
      const id = await createApp(client);
      const pages = [
        '/console/apps',
        `/console/apps/${id}`,
        `/console/apps/${id}/secret`,
        `/console/apps/${id}/delete`,
        `/console/apps/${id}/tokens?token=abc`,
        '/console/no-such-page',
      ];
      const anonymous = new ConsoleClient(server.url);
      for (const path of ['/console/sign-in', ...pages]) {
        const page = await (path.endsWith('sign-in') ? anonymous : client).get(path);
        expect(page.headers.get('content-type'), path).toBe('text/html; charset=utf-8');
        const csp = page.headers.get('content-security-policy')!;
        expect(csp).toContain("default-src 'none'");
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("style-src 'self'");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toContain('unsafe');
        expect(page.headers.get('x-frame-options')).toBe('DENY');
        expect(page.headers.get('referrer-policy')).toBe('same-origin');
        expect(page.headers.get('x-content-type-options')).toBe('nosniff');
        expect(page.headers.get('cache-control')).toBe('no-store');
        // Nothing the CSP would block: no inline script, style or handlers.
        expect(page.text).not.toMatch(/<script(?![^>]*\ssrc=)/);
        expect(page.text).not.toMatch(/\sstyle=|<style|\son[a-z]+=/i);
      }
      expect((await client.get('/console/no-such-page')).status).toBe(404);
      const css = await client.get('/console/assets/console.css');
      expect(css.status).toBe(200);
      expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
      expect(css.headers.get('x-content-type-options')).toBe('nosniff');
      const js = await client.get('/console/assets/console.js');
      expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    });

    it('escapes names, descriptions, values and tokens everywhere', async () => {
      const client = await signedIn();
      const id = await createApp(client, `App ${XSS}`);
      const name = `"><svg/onload=alert(1)>`;
      const description = `<img src=x onerror=alert(2)> & ${XSS}`;
      expect((await client.post(`/console/apps/${id}/attributes`, { name, description })).status).toBe(303);
      const app = await server.store.getApp(id);
      const written = await server.device(app!, {
        cmd: 1,
        token: 'tok<b>1',
        attributeInfo: { attributeMap: { [name]: '<i>"v"</i>' } },
      });
      expect(written.body.retCode).toBe(0);
      const pages = [
        await client.get('/console/apps'),
        await client.get(`/console/apps/${id}`),
        await client.get(`/console/apps/${id}/attributes/edit?name=${encodeURIComponent(name)}`),
        await client.get(`/console/apps/${id}/attributes/delete?name=${encodeURIComponent(name)}`),
        await client.get(`/console/apps/${id}/tokens?token=${encodeURIComponent('tok<b>1')}`),
        await client.get(`/console/apps/${id}/delete`),
      ];
      for (const page of pages) {
        expect(page.status).toBe(200);
        expect(page.text).not.toContain('<script>alert');
        expect(page.text).not.toContain('<svg');
        expect(page.text).not.toContain('<img');
        expect(page.text).not.toContain('<i>');
        expect(page.text).not.toContain('<b>1');
      }
      expect(pages[0]!.text).toContain('App &lt;script&gt;alert(1)&lt;/script&gt;&quot;&#39;&#96;');
      expect(pages[1]!.text).toContain('&lt;img src&#61;x onerror&#61;alert(2)&gt; &amp; ');
      expect(pages[1]!.text).toContain('&quot;&gt;&lt;svg/onload&#61;alert(1)&gt;');
      expect(pages[4]!.text).toContain('value="&lt;i&gt;&quot;v&quot;&lt;/i&gt;"');
      expect(pages[4]!.text).toContain('tok&lt;b&gt;1');
    });

    it('shows validation errors next to the field and changes nothing', async () => {
      const client = await signedIn();
      const id = await createApp(client);
      const long = await client.post(`/console/apps/${id}/attributes`, { name: 'x'.repeat(51) });
      expect(long.status).toBe(400);
      expect(long.text).toMatch(
        /aria-invalid="true" aria-describedby="attribute-name-hint attribute-name-error">[\s\S]*<p class="error-text" id="attribute-name-error">Attribute name is 51 bytes of UTF-8; the limit is 50 bytes\. Choose another name\.<\/p>/,
      );
      expect(long.text).toContain(`value="${'x'.repeat(51)}"`);
      const spaced = await client.post(`/console/apps/${id}/attributes`, { name: 'two words' });
      expect(spaced.status).toBe(400);
      expect(spaced.text).toContain('Attribute name must not contain whitespace.');
      expect((await client.post(`/console/apps/${id}/attributes`, { name: 'level' })).status).toBe(303);
      const duplicate = await client.post(`/console/apps/${id}/attributes`, { name: 'level' });
      expect(duplicate.status).toBe(409);
      expect(duplicate.text).toContain('This app already has an attribute named level.');
      const description = await client.post(`/console/apps/${id}/attributes`, {
        name: 'other',
        description: 'd'.repeat(201),
      });
      expect(description.status).toBe(400);
      expect(description.text).toContain('id="attribute-description-error">Description is 201 characters');
      const emptyApp = await client.post('/console/apps', { name: '   ' });
      expect(emptyApp.status).toBe(400);
      expect(emptyApp.text).toContain('The name must not be empty.');
      expect((await server.store.listDefinitions(id))!.map((d) => d.name)).toEqual(['level']);
    });

    it('manages attributes with exact device counts, sorting and filtering', async () => {
      const client = await signedIn();
      const id = await createApp(client);
      for (const name of ['alpha', 'beta', 'gamma']) {
        await client.post(`/console/apps/${id}/attributes`, { name, description: `about ${name}` });
      }
      const app = (await server.store.getApp(id))!;
      for (const [token, map] of [
        ['t1', { beta: '1', gamma: '1' }],
        ['t2', { beta: '2' }],
      ] as const) {
        expect(
          (await server.device(app, { cmd: 1, token, attributeInfo: { attributeMap: map } })).body.retCode,
        ).toBe(0);
      }
      const byCount = await client.get(`/console/apps/${id}?sort=deviceCount&dir=desc`);
      const order = [...byCount.text.matchAll(/<td class="name" data-label="Name"><code>(\w+)<\/code>/g)].map(
        (m) => m[1],
      );
      expect(order).toEqual(['beta', 'gamma', 'alpha']);
      expect(byCount.text).toMatch(/<code>beta<\/code>[\s\S]*?data-label="Devices">2</);
      expect(byCount.text).toContain('aria-sort="descending"');
      const filtered = await client.get(`/console/apps/${id}?q=GAM`);
      expect(filtered.text).toContain('<code>gamma</code>');
      expect(filtered.text).not.toContain('<code>beta</code>');
      const none = await client.get(`/console/apps/${id}?q=zzz`);
      expect(none.text).toContain('No attribute matches');

      const confirm = await client.get(`/console/apps/${id}/attributes/delete?name=beta`);
      expect(confirm.text).toContain('2 devices will lose their value.');
      const edited = await client.post(`/console/apps/${id}/attributes/edit`, {
        name: 'gamma',
        description: 'new words',
      });
      expect(edited.status).toBe(303);
      expect((await server.store.getDefinition(id, 'gamma'))!.description).toBe('new words');
      expect((await client.post(`/console/apps/${id}/attributes/delete`, { name: 'beta' })).status).toBe(303);
      const after = await client.get(`/console/apps/${id}`);
      expect(after.text).toContain('Attribute beta deleted; 2 devices lost their value.');
      expect(await server.store.readAttributes(id, 't2')).toEqual({});
      expect((await client.get(`/console/apps/${id}/attributes/edit?name=beta`)).status).toBe(404);
    });

    it('looks up a token and edits it through the device API rules', async () => {
      const client = await signedIn();
      const id = await createApp(client);
      await client.post(`/console/apps/${id}/attributes`, { name: 'level' });
      await client.post(`/console/apps/${id}/attributes`, { name: 'nick' });
      const bad = await client.get(`/console/apps/${id}/tokens?token=${encodeURIComponent('has space')}`);
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('id="lookup-token-error">That is not a valid token');
      const empty = await client.get(`/console/apps/${id}/tokens?token=dev1`);
      expect(empty.text).toContain('This token holds no attributes.');
      const form = { token: 'dev1', name: 'level', value: '7' };
      expect((await client.post(`/console/apps/${id}/tokens/set`, form)).status).toBe(303);
      await client.post(`/console/apps/${id}/tokens/set`, { ...form, name: 'nick', value: 'Mia' });
      expect(await server.store.readAttributes(id, 'dev1')).toEqual({ level: '7', nick: 'Mia' });
      const tooLong = await client.post(`/console/apps/${id}/tokens/set`, { ...form, value: 'v'.repeat(51) });
      expect(tooLong.status).toBe(400);
      expect(tooLong.text).toContain('is 51 bytes of UTF-8; the limit is 50 bytes. Nothing was changed.');
      const undefinedName = await client.post(`/console/apps/${id}/tokens/set`, { ...form, name: 'ghost' });
      expect(undefinedName.status).toBe(400);
      expect(undefinedName.text).toContain('ghost is not defined for this app');
      expect(
        (await client.post(`/console/apps/${id}/tokens/delete`, { token: 'dev1', name: 'nick' })).status,
      ).toBe(303);
      expect(await server.store.readAttributes(id, 'dev1')).toEqual({ level: '7' });
      expect((await client.get(`/console/apps/${id}/tokens/clear?token=dev1`)).text).toContain(
        'removes all 1 attribute value this token holds',
      );
      expect((await client.post(`/console/apps/${id}/tokens/clear`, { token: 'dev1' })).status).toBe(303);
      expect(await server.store.readAttributes(id, 'dev1')).toEqual({});
    });

    it('rotates a secret and deletes an app only when its name is typed', async () => {
      const client = await signedIn();
      const id = await createApp(client, 'Doomed');
      const shown = await client.get(`/console/apps/${id}`);
      const first = (await server.store.getApp(id))!.secretKey;
      expect(shown.text).toContain(`<code id="new-secret-key">${first}</code>`);
      // Shown once: the next visit only has the reveal-on-demand copy.
      expect((await client.get(`/console/apps/${id}`)).text).not.toContain('new-secret-key');
      expect((await client.post(`/console/apps/${id}/secret`, {})).status).toBe(303);
      const second = (await server.store.getApp(id))!.secretKey;
      expect(second).not.toBe(first);
      expect((await client.get(`/console/apps/${id}`)).text).toContain(
        `<code id="new-secret-key">${second}</code>`,
      );
      const wrong = await client.post(`/console/apps/${id}/delete`, { confirmName: 'doomed' });
      expect(wrong.status).toBe(400);
      expect(wrong.text).toContain('That is not the app name');
      expect(await server.store.getApp(id)).toBeDefined();
      expect((await client.post(`/console/apps/${id}/delete`, { confirmName: 'Doomed' })).status).toBe(303);
      expect(await server.store.getApp(id)).toBeUndefined();
      expect((await client.get(`/console/apps/${id}`)).status).toBe(404);
    });

    it('writes an audit entry for every change, as console <ip>', async () => {
      const client = await signedIn();
      const id = await createApp(client, 'Audited');
      await client.post(`/console/apps/${id}/attributes`, { name: 'level' });
      await client.post(`/console/apps/${id}/attributes/edit`, { name: 'level', description: 'x' });
      await client.post(`/console/apps/${id}/tokens/set`, { token: 'd', name: 'level', value: '1' });
      await client.post(`/console/apps/${id}/tokens/delete`, { token: 'd', name: 'level' });
      await client.post(`/console/apps/${id}/tokens/clear`, { token: 'd' });
      await client.post(`/console/apps/${id}/attributes/delete`, { name: 'level' });
      await client.post(`/console/apps/${id}/secret`, {});
      await client.post(`/console/apps/${id}/delete`, { confirmName: 'Audited' });
      await client.post('/console/sign-out', {});
      const entries = (await server.store.listAudit(11)).reverse();
      expect(entries.map((e) => e.action)).toEqual([
        'console.signed_in',
        'app.created',
        'attribute.created',
        'attribute.updated',
        'token.attribute_set',
        'token.attribute_deleted',
        'token.cleared',
        'attribute.deleted',
        'app.secret_rotated',
        'app.deleted',
        'console.signed_out',
      ]);
      expect(new Set(entries.map((e) => e.actor))).toEqual(new Set(['console 127.0.0.1']));
      expect(entries[1]).toMatchObject({ accessId: id, detail: { name: 'Audited' } });
      expect(JSON.stringify(entries)).not.toMatch(/secret[A-Za-z]*":"[0-9a-f]{32}/);
    });
  });
}

describe('web console: store failures, sign-in guard, proxies and logs', () => {
  it('answers a store failure with a page saying nothing was changed, without details', async () => {
    const server = await startTestServer(await storeKinds()[0]!.open());
    try {
      const client = new ConsoleClient(server.url);
      await client.signIn();
      const id = accessIdOf((await client.post('/console/apps', { name: 'Game' })).location);
      const db = (server.store as SqliteStore).db;
      db.exec(
        "CREATE TRIGGER nodefs BEFORE INSERT ON definitions BEGIN SELECT RAISE(ABORT, 'disk gone'); END",
      );
      const failed = await client.post(`/console/apps/${id}/attributes`, { name: 'level' });
      db.exec('DROP TRIGGER nodefs');
      expect(failed.status).toBe(500);
      expect(failed.text).toContain('nothing was changed');
      expect(failed.text).not.toContain('disk gone');
      expect(failed.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(await server.store.listDefinitions(id)).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('locks an address out after repeated bad tokens, for the console and the admin API alike', async () => {
    const server = await startTestServer(await storeKinds()[0]!.open(), { ATTRD_ADMIN_MAX_FAILURES: '3' });
    try {
      const client = new ConsoleClient(server.url);
      for (let i = 0; i < 3; i++) expect((await client.signIn(`wrong-token-${i}`)).status).toBe(401);
      const locked = await client.signIn();
      expect(locked.status).toBe(429);
      expect(locked.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(locked.text).toContain('sign-in is locked for 15 more minutes');
      expect(client.cookie).toBeUndefined();
      expect((await server.admin('GET', '/apps')).status).toBe(429);
    } finally {
      await server.close();
    }
  });

  it('marks the cookie Secure behind an https proxy and never logs the token', async () => {
    const lines: string[] = [];
    const logger = pino(
      { level: 'trace' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const store = await storeKinds()[0]!.open();
    const config = loadConfig({ ATTRD_ADMIN_TOKEN: ADMIN_TOKEN, ATTRD_TRUST_PROXY: 'true' });
    const app = await createApp({ store, config, adminTokenHash: hashAdminToken(ADMIN_TOKEN), logger });
    try {
      for (const token of [ADMIN_TOKEN, `${ADMIN_TOKEN}-wrong`]) {
        const response = await app.inject({
          method: 'POST',
          url: '/console/sign-in',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            'x-forwarded-proto': 'https',
            'x-forwarded-host': 'attrd.example',
            origin: 'https://attrd.example',
          },
          payload: new URLSearchParams({ token }).toString(),
        });
        if (token === ADMIN_TOKEN) {
          expect(response.statusCode).toBe(303);
          expect(response.headers['set-cookie']).toMatch(/; Secure$/);
        } else {
          expect(response.statusCode).toBe(401);
        }
      }
      expect(lines.join('')).not.toContain(ADMIN_TOKEN);
    } finally {
      await app.close();
      await store.close();
    }
  });
});
