import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** SHA-256 hex of an admin token: all that is ever stored of it. */
export function hashAdminToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A new admin token: 32 random bytes, base64url. */
export function generateAdminToken(): string {
  return `attrd_${randomBytes(32).toString('base64url')}`;
}

/** Reads `Authorization: Bearer <token>` and compares its hash in constant time. */
export function checkBearer(authorization: string | undefined, expectedHash: string): boolean {
  const match = authorization === undefined ? null : /^Bearer +(\S+) *$/i.exec(authorization);
  const presented = Buffer.from(hashAdminToken(match?.[1] ?? ''), 'hex');
  const expected = Buffer.from(expectedHash, 'hex');
  return presented.length === expected.length && timingSafeEqual(presented, expected) && match !== null;
}

/** Compares a presented admin token (from the console's sign-in form) with the hash in constant time. */
export function matchesAdminToken(presented: string, expectedHash: string): boolean {
  const a = Buffer.from(hashAdminToken(presented), 'hex');
  const b = Buffer.from(expectedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b) && presented.length > 0;
}
