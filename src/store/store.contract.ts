import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../domain/model.js';
import type { DeviceWrite } from '../domain/request.js';
import type { Store } from './store.js';

/**
 * What every Store must do. Each store's test file calls this with a factory that gives
 * a fresh, empty store; the suite, not any implementation, defines what is correct.
 */
export function runStoreContract(name: string, makeStore: () => Promise<Store>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let nextId = 1_500_000_001;
    const newApp = (over: Partial<App> = {}): App => ({
      accessId: nextId++,
      secretKey: '8d1f0a6c2b9e4f7a3c5d6e7f8091a2b3',
      name: 'demo',
      region: 'default',
      createdAt: 1_700_000_000_000,
      rateLimitPerSecond: null,
      ...over,
    });
    const set = (token: string, map: Record<string, string>): DeviceWrite => ({
      cmd: 1,
      token,
      attributes: Object.entries(map),
    });
    const count = async (accessId: number, attr: string) =>
      (await store.listDefinitions(accessId))?.find((d) => d.name === attr)?.deviceCount;

    beforeEach(async () => {
      store = await makeStore();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('apps', () => {
      it('creates, reads, lists, rotates and deletes an app', async () => {
        const app = newApp({ name: 'first' });
        expect(await store.createApp(app)).toBe(true);
        expect(await store.getApp(app.accessId)).toEqual(app);
        const other = newApp({ name: 'second', createdAt: app.createdAt + 1 });
        await store.createApp(other);
        expect((await store.listApps()).map((a) => a.accessId)).toEqual([app.accessId, other.accessId]);
        expect(await store.setSecret(app.accessId, 'ffffffffffffffffffffffffffffffff')).toBe(true);
        expect((await store.getApp(app.accessId))?.secretKey).toBe('ffffffffffffffffffffffffffffffff');
        expect(await store.deleteApp(app.accessId)).toBe(true);
        expect(await store.getApp(app.accessId)).toBeUndefined();
        expect(await store.deleteApp(app.accessId)).toBe(false);
        expect(await store.setSecret(app.accessId, 'x')).toBe(false);
      });

      it('updates an app’s name and rate limit, leaving the rest', async () => {
        const app = newApp({ name: 'old' });
        await store.createApp(app);
        expect(await store.updateApp(app.accessId, { rateLimitPerSecond: 25 })).toEqual({
          ...app,
          rateLimitPerSecond: 25,
        });
        expect(await store.updateApp(app.accessId, { name: 'new' })).toEqual({
          ...app,
          name: 'new',
          rateLimitPerSecond: 25,
        });
        expect(await store.updateApp(app.accessId, { rateLimitPerSecond: null })).toEqual({
          ...app,
          name: 'new',
        });
        expect(await store.getApp(app.accessId)).toEqual({ ...app, name: 'new' });
        expect(await store.updateApp(1_234_567_890, { name: 'x' })).toBeUndefined();
        const limited = newApp({ rateLimitPerSecond: 7 });
        await store.createApp(limited);
        expect((await store.getApp(limited.accessId))?.rateLimitPerSecond).toBe(7);
      });

      it('refuses a second app with the same accessId', async () => {
        const app = newApp();
        expect(await store.createApp(app)).toBe(true);
        expect(await store.createApp({ ...app, name: 'other' })).toBe(false);
        expect((await store.getApp(app.accessId))?.name).toBe('demo');
      });

      it('keeps large accessIds exactly', async () => {
        const app = newApp({ accessId: 9_999_999_999 });
        await store.createApp(app);
        expect((await store.getApp(9_999_999_999))?.accessId).toBe(9_999_999_999);
      });

      it('deleting an app removes its definitions and attributes, and no other app’s', async () => {
        const a = newApp();
        const b = newApp();
        await store.createApp(a);
        await store.createApp(b);
        for (const app of [a, b]) await store.createDefinition(app.accessId, 'level', '', 1);
        await store.writeAttributes(a.accessId, set('tok', { level: '1' }));
        await store.writeAttributes(b.accessId, set('tok', { level: '2' }));
        await store.deleteApp(a.accessId);
        expect(await store.readAttributes(a.accessId, 'tok')).toEqual({});
        expect(await store.listDefinitions(a.accessId)).toBeUndefined();
        // Recreating the same accessId starts empty.
        await store.createApp(a);
        expect(await store.listDefinitions(a.accessId)).toEqual([]);
        expect(await store.readAttributes(a.accessId, 'tok')).toEqual({});
        expect(await store.readAttributes(b.accessId, 'tok')).toEqual({ level: '2' });
      });
    });

    describe('definitions', () => {
      it('creates, lists by name, describes and deletes', async () => {
        const app = newApp();
        await store.createApp(app);
        const created = await store.createDefinition(app.accessId, 'level', 'player level', 10);
        expect(created).toEqual({
          name: 'level',
          description: 'player level',
          createdAt: 10,
          updatedAt: 10,
          deviceCount: 0,
        });
        expect(await store.createDefinition(app.accessId, 'level', 'again', 11)).toBe('exists');
        await store.createDefinition(app.accessId, 'city', '', 12);
        expect((await store.listDefinitions(app.accessId))?.map((d) => d.name)).toEqual(['city', 'level']);
        const described = await store.describeDefinition(app.accessId, 'level', 'new text', 20);
        expect(described).toMatchObject({ description: 'new text', createdAt: 10, updatedAt: 20 });
        expect(await store.getDefinition(app.accessId, 'level')).toEqual(described);
        expect(await store.describeDefinition(app.accessId, 'missing', 'x', 21)).toBeUndefined();
        expect(await store.deleteDefinition(app.accessId, 'level')).toBe(true);
        expect(await store.deleteDefinition(app.accessId, 'level')).toBe(false);
        expect(await store.getDefinition(app.accessId, 'level')).toBeUndefined();
      });

      it('answers no-app / undefined for an absent app', async () => {
        expect(await store.createDefinition(1_234_567_890, 'level', '', 1)).toBe('no-app');
        expect(await store.listDefinitions(1_234_567_890)).toBeUndefined();
      });

      it('keeps names exactly: case, CJK and prototype-like names are distinct plain names', async () => {
        const app = newApp();
        await store.createApp(app);
        for (const name of ['Level', 'level', '等级', '__proto__', 'constructor']) {
          expect(await store.createDefinition(app.accessId, name, '', 1)).not.toBe('exists');
        }
        await store.writeAttributes(app.accessId, set('tok', { __proto__x: 'n', constructor: 'c' }));
        const write: DeviceWrite = {
          cmd: 1,
          token: 'tok',
          attributes: [
            ['__proto__', 'p'],
            ['等级', '七'],
            ['Level', 'L'],
          ],
        };
        expect(await store.writeAttributes(app.accessId, write)).toEqual({ ok: true, invalidAttribute: [] });
        const read = await store.readAttributes(app.accessId, 'tok');
        expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
        expect(Object.entries(read).sort()).toEqual(
          [
            ['Level', 'L'],
            ['__proto__', 'p'],
            ['constructor', 'c'],
            ['等级', '七'],
          ].sort(),
        );
      });

      it('keeps quotes, backslashes and SQL-like text exactly, in tokens, names and values', async () => {
        const app = newApp();
        await store.createApp(app);
        const names = ["it's", 'back\\slash', "x'); DROP TABLE attributes; --"];
        for (const name of names) await store.createDefinition(app.accessId, name, '', 1);
        const values = ["O'Brien", 'C:\\path\\', "E'\\x41' $1 $$"];
        const tokens = ["tok'1", 'tok\\2'];
        const writes = tokens.map((token) =>
          store.writeAttributes(app.accessId, {
            cmd: 1,
            token,
            attributes: names.map((name, i) => [name, values[i]!] as [string, string]),
          }),
        );
        for (const outcome of await Promise.all(writes))
          expect(outcome).toEqual({ ok: true, invalidAttribute: [] });
        for (const token of tokens) {
          expect(await store.readAttributes(app.accessId, token)).toEqual(
            Object.fromEntries(names.map((name, i) => [name, values[i]])),
          );
        }
        expect(
          await store.writeAttributes(app.accessId, { cmd: 3, token: tokens[0]!, names: [names[2]!] }),
        ).toEqual({ ok: true, invalidAttribute: [] });
        expect(Object.keys(await store.readAttributes(app.accessId, tokens[0]!)).sort()).toEqual(
          names.slice(0, 2).sort(),
        );
        for (const [i, name] of names.entries())
          expect(await count(app.accessId, name)).toBe(i === 2 ? 1 : 2);
      });

      // Names as the admin API allows them (no whitespace); values as the device API does.
      it('reads as JSON text what it reads as an object, whatever the names and values hold', async () => {
        const app = newApp();
        await store.createApp(app);
        const names = ['"quoted"', 'back\\slash', '__proto__', '10', '9', '等级', 'emoji😀', 'script'];
        const values = [
          'say "hi"',
          'C:\\dir\\',
          '{"not":"json"}',
          '1',
          'nine',
          '七',
          '😀\u2029',
          'line\u2028break </script>',
        ];
        for (const name of names) await store.createDefinition(app.accessId, name, '', 1);
        expect(await store.readAttributesJson(app.accessId, 'none')).toBe('{}');
        const written = names.map((name, i) => [name, values[i]!] as [string, string]);
        const write: DeviceWrite = { cmd: 1, token: 't', attributes: written };
        expect(await store.writeAttributes(app.accessId, write)).toEqual({ ok: true, invalidAttribute: [] });
        const sameAsObject = async () => {
          const text = await store.readAttributesJson(app.accessId, 't');
          const parsed = JSON.parse(text) as Record<string, string>;
          expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
          expect(Object.entries(parsed).sort()).toEqual(
            Object.entries(await store.readAttributes(app.accessId, 't')).sort(),
          );
          return parsed;
        };
        expect(Object.entries(await sameAsObject()).sort()).toEqual(written.sort());
        await store.writeAttributes(app.accessId, { cmd: 3, token: 't', names: names.slice(0, 6) });
        expect(await sameAsObject()).toEqual({ 'emoji😀': values[6], script: values[7] });
      });

      it('deleting a definition removes its value from every token and keeps the others', async () => {
        const app = newApp();
        await store.createApp(app);
        await store.createDefinition(app.accessId, 'level', '', 1);
        await store.createDefinition(app.accessId, 'city', '', 1);
        for (const token of ['t1', 't2', 't3'])
          await store.writeAttributes(app.accessId, set(token, { level: '1', city: 'x' }));
        await store.deleteDefinition(app.accessId, 'level');
        for (const token of ['t1', 't2', 't3'])
          expect(await store.readAttributes(app.accessId, token)).toEqual({ city: 'x' });
        // Defining it again starts from zero devices.
        await store.createDefinition(app.accessId, 'level', '', 2);
        expect(await count(app.accessId, 'level')).toBe(0);
        expect(await count(app.accessId, 'city')).toBe(3);
      });
    });

    describe('attributes', () => {
      let app: App;
      beforeEach(async () => {
        app = newApp();
        await store.createApp(app);
        for (const name of ['a', 'b', 'c']) await store.createDefinition(app.accessId, name, '', 1);
      });

      it('sets, overwrites, deletes keys and clears, keeping deviceCount exact', async () => {
        expect(await store.writeAttributes(app.accessId, set('t1', { a: '1', b: '2' }))).toEqual({
          ok: true,
          invalidAttribute: [],
        });
        await store.writeAttributes(app.accessId, set('t2', { a: '9' }));
        expect(await count(app.accessId, 'a')).toBe(2);
        await store.writeAttributes(app.accessId, {
          cmd: 2,
          token: 't1',
          attributes: [
            ['a', 'x'],
            ['c', '3'],
          ],
        });
        expect(await store.readAttributes(app.accessId, 't1')).toEqual({ a: 'x', b: '2', c: '3' });
        expect(await count(app.accessId, 'a')).toBe(2);
        expect(await count(app.accessId, 'c')).toBe(1);
        await store.writeAttributes(app.accessId, {
          cmd: 3,
          token: 't1',
          names: ['a', 'missing-but-defined?'],
        });
        expect(await store.readAttributes(app.accessId, 't1')).toEqual({ b: '2', c: '3' });
        expect(await count(app.accessId, 'a')).toBe(1);
        await store.writeAttributes(app.accessId, { cmd: 3, token: 't1', names: ['a'] });
        expect(await count(app.accessId, 'a')).toBe(1);
        await store.writeAttributes(app.accessId, { cmd: 4, token: 't1' });
        expect(await store.readAttributes(app.accessId, 't1')).toEqual({});
        expect(await count(app.accessId, 'b')).toBe(0);
        expect(await count(app.accessId, 'c')).toBe(0);
        expect(await count(app.accessId, 'a')).toBe(1);
        await store.writeAttributes(app.accessId, { cmd: 4, token: 'never-had-any' });
        expect(await count(app.accessId, 'a')).toBe(1);
      });

      it('skips and reports undefined names, applying the rest', async () => {
        const outcome = await store.writeAttributes(app.accessId, set('t1', { zz: '1', a: '1', yy: '2' }));
        expect(outcome).toEqual({ ok: true, invalidAttribute: ['zz', 'yy'] });
        expect(await store.readAttributes(app.accessId, 't1')).toEqual({ a: '1' });
        const del = await store.writeAttributes(app.accessId, { cmd: 3, token: 't1', names: ['zz', 'a'] });
        expect(del).toEqual({ ok: true, invalidAttribute: ['zz'] });
        expect(await store.readAttributes(app.accessId, 't1')).toEqual({});
      });

      it('scopes tokens to the app', async () => {
        const other = newApp();
        await store.createApp(other);
        await store.createDefinition(other.accessId, 'a', '', 1);
        await store.writeAttributes(app.accessId, set('same', { a: 'mine' }));
        await store.writeAttributes(other.accessId, set('same', { a: 'theirs' }));
        await store.writeAttributes(other.accessId, { cmd: 4, token: 'same' });
        expect(await store.readAttributes(app.accessId, 'same')).toEqual({ a: 'mine' });
        expect(await count(app.accessId, 'a')).toBe(1);
        expect(await count(other.accessId, 'a')).toBe(0);
      });

      it('refuses a write that would pass 50 attributes per token, changing nothing', async () => {
        for (let i = 0; i < 52; i++) await store.createDefinition(app.accessId, `k${i}`, '', 1);
        const fifty = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`k${i}`, 'v']));
        expect((await store.writeAttributes(app.accessId, set('t', fifty))).ok).toBe(true);
        const tooMany = await store.writeAttributes(
          app.accessId,
          set('t', { k49: 'v', k50: 'v', k0: 'changed' }),
        );
        expect(tooMany.ok).toBe(false);
        if (!tooMany.ok) {
          expect(tooMany.failure).toEqual({
            retCode: 1008007,
            errMsg:
              'token would hold 51 attributes after this request (it holds 49); ' +
              'the limit is 50 attributes per token',
          });
        }
        const after = await store.readAttributes(app.accessId, 't');
        expect(Object.keys(after)).toHaveLength(49);
        expect(after.k0).toBe('v');
        expect(await count(app.accessId, 'k0')).toBe(1);
        expect(await count(app.accessId, 'k49')).toBe(0);
        // Exactly 50 is allowed, and overwriting at 50 is allowed.
        expect((await store.writeAttributes(app.accessId, set('t', { k49: 'v' }))).ok).toBe(true);
        expect((await store.writeAttributes(app.accessId, set('t', { k0: 'w', k49: 'w' }))).ok).toBe(true);
        // Deleting is never refused for the count.
        expect(
          (await store.writeAttributes(app.accessId, { cmd: 3, token: 't', names: ['k0', 'k51'] })).ok,
        ).toBe(true);
      });

      it('never passes 50 under concurrent writes to one token, and loses no accepted write', async () => {
        for (let i = 0; i < 60; i++) await store.createDefinition(app.accessId, `k${i}`, '', 1);
        const writes = Array.from({ length: 60 }, (_, i) =>
          store.writeAttributes(app.accessId, set('hot', { [`k${i}`]: `v${i}` })),
        );
        const outcomes = await Promise.all(writes);
        const accepted = outcomes.filter((o) => o.ok).length;
        expect(accepted).toBe(50);
        const after = await store.readAttributes(app.accessId, 'hot');
        expect(Object.keys(after)).toHaveLength(50);
        outcomes.forEach((o, i) => {
          if (o.ok) expect(after[`k${i}`]).toBe(`v${i}`);
          else expect(after[`k${i}`]).toBeUndefined();
        });
        const definitions = (await store.listDefinitions(app.accessId))!;
        expect(definitions.reduce((sum, d) => sum + d.deviceCount, 0)).toBe(50);
      });

      it('keeps deviceCount exact under many concurrent writers on many tokens', async () => {
        const tokens = Array.from({ length: 40 }, (_, i) => `tok-${i}`);
        const ops: Promise<unknown>[] = [];
        for (let round = 0; round < 5; round++) {
          for (const [i, token] of tokens.entries()) {
            const pick = (i + round) % 4;
            if (pick === 0)
              ops.push(store.writeAttributes(app.accessId, set(token, { a: `${round}`, b: 'x' })));
            if (pick === 1) ops.push(store.writeAttributes(app.accessId, { cmd: 3, token, names: ['a'] }));
            if (pick === 2) ops.push(store.writeAttributes(app.accessId, set(token, { c: `${round}` })));
            if (pick === 3) ops.push(store.writeAttributes(app.accessId, { cmd: 4, token }));
          }
        }
        await Promise.all(ops);
        const actual: Record<string, number> = { a: 0, b: 0, c: 0 };
        for (const token of tokens) {
          for (const name of Object.keys(await store.readAttributes(app.accessId, token))) actual[name]!++;
        }
        for (const name of ['a', 'b', 'c']) expect(await count(app.accessId, name)).toBe(actual[name]);
      });
    });

    describe('reads in one turn', () => {
      it('answer each token of each app with its own values', async () => {
        const [a, b] = [newApp(), newApp()];
        for (const app of [a, b]) {
          await store.createApp(app);
          for (const name of ['level', 'city']) await store.createDefinition(app.accessId, name, '', 1);
        }
        await store.writeAttributes(a.accessId, set('t1', { level: '1', city: 'x' }));
        await store.writeAttributes(a.accessId, set('t2', { level: '2' }));
        await store.writeAttributes(b.accessId, set('t1', { level: 'b1' }));
        const [json, ...maps] = await Promise.all([
          store.readAttributesJson(a.accessId, 't1'),
          store.readAttributes(a.accessId, 't2'),
          store.readAttributes(a.accessId, 'none'),
          store.readAttributes(b.accessId, 't1'),
          store.readAttributes(a.accessId, 't1'),
          store.readAttributes(a.accessId, 't2'),
          store.readAttributes(b.accessId, 't2'),
        ]);
        expect(JSON.parse(json)).toEqual({ level: '1', city: 'x' });
        expect(maps).toEqual([
          { level: '2' },
          {},
          { level: 'b1' },
          { level: '1', city: 'x' },
          { level: '2' },
          {},
        ]);
      });
    });

    describe('writes in one turn', () => {
      it('apply in call order on one token, a refused one spoiling none of the others', async () => {
        const app = newApp();
        await store.createApp(app);
        const names = Array.from({ length: 50 }, (_, i) => `n${i}`);
        for (const name of [...names, 'extra']) await store.createDefinition(app.accessId, name, '', 1);
        const full = Object.fromEntries(names.map((name) => [name, 'v']));
        const results = await Promise.all([
          store.writeAttributes(app.accessId, set('t', { n0: 'first' })),
          store.writeAttributes(app.accessId, { cmd: 4, token: 't' }),
          store.writeAttributes(app.accessId, set('t', full)),
          store.writeAttributes(app.accessId, set('t', { extra: 'over the limit' })),
          store.writeAttributes(app.accessId, { cmd: 3, token: 't', names: ['n1', 'extra'] }),
          store.writeAttributes(app.accessId, set('u', { n0: 'other token', nope: 'x' })),
          store.writeAttributes(app.accessId, set('t', { n0: 'last' })),
        ]);
        expect(results.map((r) => r.ok)).toEqual([true, true, true, false, true, true, true]);
        expect(results[3]).toEqual({
          ok: false,
          failure: {
            retCode: 1008007,
            errMsg:
              'token would hold 51 attributes after this request (it holds 50); ' +
              'the limit is 50 attributes per token',
          },
        });
        expect(results[5]).toEqual({ ok: true, invalidAttribute: ['nope'] });
        const t = await store.readAttributes(app.accessId, 't');
        expect(Object.keys(t)).toHaveLength(49);
        expect(t.n0).toBe('last');
        expect(t.n1).toBeUndefined();
        expect(t.extra).toBeUndefined();
        expect(await store.readAttributes(app.accessId, 'u')).toEqual({ n0: 'other token' });
        expect(await count(app.accessId, 'n0')).toBe(2);
        expect(await count(app.accessId, 'n1')).toBe(0);
        expect(await count(app.accessId, 'n2')).toBe(1);
        expect(await count(app.accessId, 'extra')).toBe(0);
      });
    });

    describe('closing', () => {
      it('commits every write queued before close, however many', async () => {
        const app = newApp();
        await store.createApp(app);
        await store.createDefinition(app.accessId, 'a', '', 1);
        const writes = Array.from({ length: 1100 }, (_, i) =>
          store.writeAttributes(app.accessId, set(`t${i}`, { a: String(i) })),
        );
        await store.close();
        const results = await Promise.all(writes);
        expect(results.filter((r) => r.ok)).toHaveLength(1100);
      });
    });

    describe('bulk import (optional)', () => {
      let app: App;
      beforeEach(async () => {
        app = newApp();
        await store.createApp(app);
        for (const name of ['a', 'b', 'c']) await store.createDefinition(app.accessId, name, '', 1);
      });

      it('imports, replacing values of the same names, keeping deviceCount exact', async (ctx) => {
        if (!store.importAttributes) return ctx.skip();
        await store.writeAttributes(app.accessId, set('t1', { a: 'live', c: 'kept' }));
        const written = await store.importAttributes(app.accessId, [
          { token: 't1', attributes: { a: '1', b: '2' } },
          { token: 't2', attributes: { a: '3' } },
          { token: 't2', attributes: { b: '4' } },
        ]);
        expect(written).toBe(4);
        expect(await store.readAttributes(app.accessId, 't1')).toEqual({ a: '1', b: '2', c: 'kept' });
        expect(await store.readAttributes(app.accessId, 't2')).toEqual({ a: '3', b: '4' });
        expect(await count(app.accessId, 'a')).toBe(2);
        expect(await count(app.accessId, 'b')).toBe(2);
        expect(await count(app.accessId, 'c')).toBe(1);
        expect(await store.importAttributes(app.accessId, [])).toBe(0);
      });

      it('sees every write acknowledged before it, and writes after it see the import', async (ctx) => {
        if (!store.importAttributes) return ctx.skip();
        const before = store.writeAttributes(app.accessId, set('t', { a: 'before', b: 'before' }));
        await store.importAttributes(app.accessId, [{ token: 't', attributes: { a: 'import' } }]);
        await before;
        await store.writeAttributes(app.accessId, { cmd: 3, token: 't', names: ['b'] });
        expect(await store.readAttributes(app.accessId, 't')).toEqual({ a: 'import' });
        expect(await count(app.accessId, 'a')).toBe(1);
        expect(await count(app.accessId, 'b')).toBe(0);
      });

      it('refuses an absent app, an undefined name or a limit breach, writing nothing', async (ctx) => {
        if (!store.importAttributes) return ctx.skip();
        const good = { token: 'ok', attributes: { a: '1' } };
        await expect(store.importAttributes(app.accessId + 1000, [good])).rejects.toThrow(/no app/);
        await expect(
          store.importAttributes(app.accessId, [good, { token: 'x', attributes: { nope: '1' } }]),
        ).rejects.toThrow(/"nope" is not defined/);
        const many: Record<string, string> = {};
        for (let i = 0; i < 51; i++) {
          await store.createDefinition(app.accessId, `k${i}`, '', 1);
          many[`k${i}`] = 'v';
        }
        await expect(
          store.importAttributes(app.accessId, [good, { token: 'full', attributes: many }]),
        ).rejects.toThrow(/would hold 51 attributes; the limit is 50/);
        expect(await store.readAttributes(app.accessId, 'ok')).toEqual({});
        expect(await store.readAttributes(app.accessId, 'full')).toEqual({});
        expect(await count(app.accessId, 'a')).toBe(0);
        expect(await count(app.accessId, 'k0')).toBe(0);
      });
    });

    describe('audit log', () => {
      it('appends and lists newest first, with paging', async () => {
        for (let i = 1; i <= 5; i++) {
          await store.appendAudit({
            at: i,
            actor: 'admin-api 127.0.0.1',
            action: `a${i}`,
            accessId: i === 5 ? null : 1500000000 + i,
            detail: { i },
          });
        }
        const all = await store.listAudit(10);
        expect(all.map((e) => e.action)).toEqual(['a5', 'a4', 'a3', 'a2', 'a1']);
        expect(all[0]).toEqual({
          id: expect.any(Number),
          at: 5,
          actor: 'admin-api 127.0.0.1',
          action: 'a5',
          accessId: null,
          detail: { i: 5 },
        });
        expect(all[1]!.accessId).toBe(1500000004);
        const firstPage = await store.listAudit(2);
        expect(firstPage.map((e) => e.action)).toEqual(['a5', 'a4']);
        expect((await store.listAudit(2, firstPage[1]!.id)).map((e) => e.action)).toEqual(['a3', 'a2']);
      });
    });

    describe('settings', () => {
      it('initialises once and can be replaced', async () => {
        expect(await store.getSetting('k')).toBeUndefined();
        expect(await store.initSetting('k', 'one')).toBe(true);
        expect(await store.initSetting('k', 'two')).toBe(false);
        expect(await store.getSetting('k')).toBe('one');
        await store.putSetting('k', 'three');
        expect(await store.getSetting('k')).toBe('three');
      });
    });

    it('answers ping while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
