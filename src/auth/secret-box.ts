import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Encryption at rest of app secretKeys: AES-256-GCM, bound to the app's accessId so a
 * sealed secret cannot be moved to another app. A keyring holds the current key (used to
 * seal) and older ones (still accepted to open) so keys can be rotated.
 *
 * Stored form: `enc1:<keyId>:<iv>:<ciphertext>:<tag>` (base64url parts). A stored value
 * without the `enc1:` prefix is a plaintext secret from before encryption was enabled.
 */
export interface Keyring {
  readonly currentId: string;
  readonly keys: ReadonlyMap<string, Buffer>;
}

const PREFIX = 'enc1:';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Parses `id:base64key[,id:base64key…]` (first = current); throws a message naming the format. */
export function parseKeyring(text: string): Keyring {
  const keys = new Map<string, Buffer>();
  let currentId: string | undefined;
  for (const part of text.split(',').map((p) => p.trim())) {
    const colon = part.indexOf(':');
    const id = part.slice(0, colon);
    const key = Buffer.from(part.slice(colon + 1), 'base64');
    if (colon < 1 || !KEY_ID.test(id))
      throw new Error(`key id ${JSON.stringify(id)} must be 1-32 of A-Z a-z 0-9 _ -`);
    if (key.length !== 32)
      throw new Error(`key ${JSON.stringify(id)} must be 32 bytes, base64-encoded (openssl rand -base64 32)`);
    if (keys.has(id)) throw new Error(`key id ${JSON.stringify(id)} appears twice`);
    keys.set(id, key);
    currentId ??= id;
  }
  return { currentId: currentId!, keys };
}

const aad = (accessId: number) => Buffer.from(`attrd:app-secret:${accessId}`, 'utf8');

export function isSealed(stored: string): boolean {
  return stored.startsWith(PREFIX);
}

/** The key id a stored value is sealed with, or undefined for plaintext. */
export function sealedWith(stored: string): string | undefined {
  return isSealed(stored) ? stored.split(':')[1] : undefined;
}

export function seal(ring: Keyring, accessId: number, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.keys.get(ring.currentId)!, iv);
  cipher.setAAD(aad(accessId));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  const parts = [iv, ciphertext, cipher.getAuthTag()].map((b) => b.toString('base64url'));
  return `${PREFIX}${ring.currentId}:${parts.join(':')}`;
}

/** The plaintext secret; throws if the key is unknown or the value was tampered with. */
export function unseal(ring: Keyring, accessId: number, stored: string): string {
  if (!isSealed(stored)) return stored;
  const [, id, iv, ciphertext, tag] = stored.split(':');
  const key = ring.keys.get(id ?? '');
  if (!key || iv === undefined || ciphertext === undefined || tag === undefined) {
    throw new Error(
      `the secret of app ${accessId} is sealed with key "${id}", which is not in ATTRD_SECRET_KEYS`,
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(aad(accessId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString(
    'utf8',
  );
}
