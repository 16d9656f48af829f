import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freshPgUrl, testPgDatabase } from '../../test/support/stores.js';
import { parseKeyring } from '../auth/secret-box.js';
import type { App } from '../domain/model.js';
import type { DeviceWrite } from '../domain/request.js';
import { SecretEncryptingStore } from './encrypted.js';
import { openPostgresStore, type PostgresStore } from './postgres.js';
import { AppChanged } from './store.js';

/**
 * peekApp on PostgreSQL: two stores on one database stand for two nodes. A node may
 * start a device request from the app as it last saw it, but its read or write confirms
 * that app in the same statement: a change made on the other node is never missed.
 */
const app: App = {
  accessId: 1_500_000_001,
  secretKey: '8d1f0a6c2b9e4f7a3c5d6e7f8091a2b3',
  name: 'demo',
  region: 'default',
  createdAt: 1_700_000_000_000,
  rateLimitPerSecond: null,
};
const set = (token: string, map: Record<string, string>): DeviceWrite => ({
  cmd: 1,
  token,
  attributes: Object.entries(map),
});

describe.skipIf(!testPgDatabase)(
  'PostgreSQL: apps remembered for peekApp, confirmed by every read and write',
  () => {
    let a: PostgresStore;
    let b: PostgresStore;

    beforeEach(async () => {
      const url = await freshPgUrl();
      a = await openPostgresStore({ url, poolSize: 4 });
      b = await openPostgresStore({ url, poolSize: 4 });
      await a.createApp(app);
      await a.createDefinition(app.accessId, 'level', '', 1);
      await a.createDefinition(app.accessId, 'tier', '', 1);
    });
    afterEach(async () => {
      await a.close();
      await b.close();
    });

    /** Node b's view of the app, after a lookup. */
    async function peekOnB(): Promise<App> {
      expect(b.peekApp(app.accessId)).toBeUndefined();
      expect(await b.getApp(app.accessId)).toEqual(app);
      const seen = b.peekApp(app.accessId);
      expect(seen).toEqual(app);
      return seen!;
    }

    it('remembers only apps it looked up and found', async () => {
      expect(b.peekApp(app.accessId)).toBeUndefined();
      expect(await b.getApp(999)).toBeUndefined();
      expect(b.peekApp(999)).toBeUndefined();
      await peekOnB();
    });

    it('writes and reads with a seen app that is still current', async () => {
      const seen = await peekOnB();
      expect(await b.writeAttributes(app.accessId, set('t1', { level: '1' }), seen)).toEqual({
        ok: true,
        invalidAttribute: [],
      });
      expect(await b.readAttributes(app.accessId, 't1', seen)).toEqual({ level: '1' });
    });

    it('refuses a write whose app had its secret rotated on the other node, writing nothing', async () => {
      const seen = await peekOnB();
      expect(await a.setSecret(app.accessId, 'ffffffffffffffffffffffffffffffff')).toBe(true);
      await expect(b.writeAttributes(app.accessId, set('t1', { level: '1' }), seen)).rejects.toBeInstanceOf(
        AppChanged,
      );
      expect(await a.readAttributes(app.accessId, 't1')).toEqual({});
      expect((await a.listDefinitions(app.accessId))?.map((d) => d.deviceCount)).toEqual([0, 0]);
      // forgotten: the next request looks the app up again
      expect(b.peekApp(app.accessId)).toBeUndefined();
    });

    it('refuses a read whose app had its rate limit changed on the other node', async () => {
      const seen = await peekOnB();
      await b.writeAttributes(app.accessId, set('t1', { level: '1' }));
      expect(await a.updateApp(app.accessId, { rateLimitPerSecond: 5 })).toMatchObject({
        rateLimitPerSecond: 5,
      });
      await expect(b.readAttributes(app.accessId, 't1', seen)).rejects.toBeInstanceOf(AppChanged);
      await expect(b.readAttributesJson(app.accessId, 't1', seen)).rejects.toBeInstanceOf(AppChanged);
      expect(b.peekApp(app.accessId)).toBeUndefined();
      expect(await b.getApp(app.accessId)).toMatchObject({ rateLimitPerSecond: 5 });
    });

    it('refuses reads and writes whose app was deleted, or deleted and created again', async () => {
      const seen = await peekOnB();
      expect(await a.deleteApp(app.accessId)).toBe(true);
      await expect(b.readAttributes(app.accessId, 't1', seen)).rejects.toBeInstanceOf(AppChanged);
      await a.createApp({ ...app, secretKey: '00000000000000000000000000000000' });
      await expect(b.writeAttributes(app.accessId, set('t1', { level: '1' }), seen)).rejects.toBeInstanceOf(
        AppChanged,
      );
      expect(await a.readAttributes(app.accessId, 't1')).toEqual({});
    });

    it('leaves the other writes of a batch alone when one of them saw a stale app', async () => {
      const other: App = { ...app, accessId: app.accessId + 1 };
      await a.createApp(other);
      await a.createDefinition(other.accessId, 'level', '', 1);
      const seen = await peekOnB();
      expect(await b.getApp(other.accessId)).toEqual(other);
      const seenOther = b.peekApp(other.accessId)!;
      await a.setSecret(app.accessId, 'ffffffffffffffffffffffffffffffff');

      // one event-loop turn: one batch
      const results = await Promise.allSettled([
        b.writeAttributes(app.accessId, set('t1', { level: 'stale' }), seen),
        b.writeAttributes(other.accessId, set('t1', { level: 'fine' }), seenOther),
        b.writeAttributes(app.accessId, set('t2', { tier: 'unchecked' })),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect(await a.readAttributes(app.accessId, 't1')).toEqual({});
      expect(await a.readAttributes(other.accessId, 't1')).toEqual({ level: 'fine' });
      expect(await a.readAttributes(app.accessId, 't2')).toEqual({ tier: 'unchecked' });
      expect(b.peekApp(other.accessId)).toBe(seenOther);
    });

    it('forgets an app this node changes itself', async () => {
      await peekOnB();
      await b.setSecret(app.accessId, 'ffffffffffffffffffffffffffffffff');
      expect(b.peekApp(app.accessId)).toBeUndefined();
      await b.getApp(app.accessId);
      await b.updateApp(app.accessId, { name: 'renamed' });
      expect(b.peekApp(app.accessId)).toBeUndefined();
      await b.getApp(app.accessId);
      await b.deleteApp(app.accessId);
      expect(b.peekApp(app.accessId)).toBeUndefined();
    });

    it('passes a seen app through the secret-encrypting store, unsealing each remembered app once', async () => {
      const ring = parseKeyring(`k1:${randomBytes(32).toString('base64')}`);
      const sealedApp = { ...app, accessId: app.accessId + 7 };
      const sealedA = new SecretEncryptingStore(a, ring);
      const sealedB = new SecretEncryptingStore(b, ring);
      await sealedA.createApp(sealedApp);
      await sealedA.createDefinition(sealedApp.accessId, 'level', '', 1);
      expect((await b.getApp(sealedApp.accessId))?.secretKey).not.toBe(sealedApp.secretKey);

      const seen = sealedB.peekApp!(sealedApp.accessId)!;
      expect(seen).toEqual(sealedApp);
      expect(sealedB.peekApp!(sealedApp.accessId)).toBe(seen);
      expect(
        await sealedB.writeAttributes(sealedApp.accessId, set('t1', { level: '1' }), seen),
      ).toMatchObject({
        ok: true,
      });
      expect(await sealedB.readAttributes(sealedApp.accessId, 't1', seen)).toEqual({ level: '1' });
      // an app this store did not hand out cannot be confirmed
      await expect(sealedB.readAttributes(sealedApp.accessId, 't1', { ...seen })).rejects.toBeInstanceOf(
        AppChanged,
      );

      await sealedA.setSecret(sealedApp.accessId, 'ffffffffffffffffffffffffffffffff');
      await expect(
        sealedB.writeAttributes(sealedApp.accessId, set('t1', { level: '2' }), seen),
      ).rejects.toBeInstanceOf(AppChanged);
      expect(await sealedA.readAttributes(sealedApp.accessId, 't1')).toEqual({ level: '1' });
    });
  },
);
