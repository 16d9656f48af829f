import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKeyring, sealedWith } from '../auth/secret-box.js';
import { assertNoSealedSecrets, resealSecrets, SecretEncryptingStore } from './encrypted.js';
import { openSqliteStore } from './sqlite.js';
import { runStoreContract } from './store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'attrd-enc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = () => randomBytes(32).toString('base64');
const ring = parseKeyring(`k1:${key()}`);
let n = 0;

runStoreContract(
  'sqlite with secrets encrypted at rest',
  async () => new SecretEncryptingStore(openSqliteStore({ path: join(dir, `c-${n++}.db`) }), ring),
);

const SECRET = '0123456789abcdef0123456789abcdef';
const app = (accessId: number) => ({
  accessId,
  secretKey: SECRET,
  name: 'n',
  region: 'default',
  createdAt: 1,
  rateLimitPerSecond: null,
});

describe('secrets at rest', () => {
  it('never writes the plaintext secret to the database file', async () => {
    const path = join(dir, 'plain-check.db');
    const store = new SecretEncryptingStore(openSqliteStore({ path }), ring);
    await store.createApp(app(1500000001));
    await store.setSecret(1500000001, 'fedcba9876543210fedcba9876543210');
    expect((await store.getApp(1500000001))?.secretKey).toBe('fedcba9876543210fedcba9876543210');
    await store.close();
    const bytes = [path, `${path}-wal`].map((p) => {
      try {
        return readFileSync(p).toString('latin1');
      } catch {
        return '';
      }
    });
    for (const text of bytes) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('fedcba9876543210fedcba9876543210');
    }
  });

  it('reseals plaintext and old-key secrets under the current key, keeping them usable', async () => {
    const inner = openSqliteStore({ path: join(dir, 'reseal.db') });
    await inner.createApp(app(1500000001)); // plaintext, from before encryption
    const oldRing = parseKeyring(`old:${key()}`);
    await new SecretEncryptingStore(inner, oldRing).createApp(app(1500000002));
    const newRing = parseKeyring(`new:${key()},old:${oldRing.keys.get('old')!.toString('base64')}`);
    expect(await resealSecrets(inner, newRing)).toBe(2);
    expect(await resealSecrets(inner, newRing)).toBe(0);
    for (const stored of await inner.listApps()) expect(sealedWith(stored.secretKey)).toBe('new');
    const onlyNew = parseKeyring(`new:${newRing.keys.get('new')!.toString('base64')}`);
    const store = new SecretEncryptingStore(inner, onlyNew);
    expect((await store.getApp(1500000001))?.secretKey).toBe(SECRET);
    expect((await store.getApp(1500000002))?.secretKey).toBe(SECRET);
    await expect(assertNoSealedSecrets(inner)).rejects.toThrow(/encrypted at rest .* set ATTRD_SECRET_KEYS/);
    await store.close();
  });
});
