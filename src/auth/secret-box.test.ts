import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSealed, parseKeyring, seal, sealedWith, unseal } from './secret-box.js';

const key = () => randomBytes(32).toString('base64');
const SECRET = '8d1f0a6c2b9e4f7a3c5d6e7f8091a2b3';

describe('secret box', () => {
  const ring = parseKeyring(`k2:${key()},k1:${key()}`);

  it('seals with the current key and opens again', () => {
    const sealed = seal(ring, 1500000001, SECRET);
    expect(isSealed(sealed)).toBe(true);
    expect(sealedWith(sealed)).toBe('k2');
    expect(sealed).not.toContain(SECRET);
    expect(unseal(ring, 1500000001, sealed)).toBe(SECRET);
    expect(seal(ring, 1500000001, SECRET)).not.toBe(sealed); // a fresh IV each time
  });

  it('passes plaintext through (secrets stored before encryption was enabled)', () => {
    expect(unseal(ring, 1, SECRET)).toBe(SECRET);
    expect(sealedWith(SECRET)).toBeUndefined();
  });

  it('refuses a sealed secret moved to another app, or tampered with', () => {
    const sealed = seal(ring, 1500000001, SECRET);
    expect(() => unseal(ring, 1500000002, sealed)).toThrow();
    const parts = sealed.split(':');
    parts[3] = Buffer.from('x'.repeat(32)).toString('base64url');
    expect(() => unseal(ring, 1500000001, parts.join(':'))).toThrow();
  });

  it('opens values sealed with an older key of the ring, not with a missing one', () => {
    const old = parseKeyring(`k1:${key()}`);
    const sealedOld = seal(old, 7, SECRET);
    expect(() => unseal(ring, 7, sealedOld)).toThrow(); // same id, different key material
    const rotated = parseKeyring(`k3:${key()},${`k1:${old.keys.get('k1')!.toString('base64')}`}`);
    expect(unseal(rotated, 7, sealedOld)).toBe(SECRET);
    expect(() => unseal(parseKeyring(`k9:${key()}`), 7, sealedOld)).toThrow(
      /sealed with key "k1", which is not in ATTRD_SECRET_KEYS/,
    );
  });

  it('parses a keyring strictly', () => {
    expect(() => parseKeyring('k1:abc')).toThrow(/32 bytes/);
    expect(() => parseKeyring(`bad id:${key()}`)).toThrow(/key id/);
    expect(() => parseKeyring(`k1:${key()},k1:${key()}`)).toThrow(/twice/);
    expect(parseKeyring(`a:${key()}, b:${key()}`).currentId).toBe('a');
  });
});
