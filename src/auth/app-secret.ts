import { randomBytes, randomInt } from 'node:crypto';

/** A new secretKey: 32 lowercase hex characters (SPEC §2). */
export function generateSecretKey(): string {
  return randomBytes(16).toString('hex');
}

/** A new accessId: a 10-digit integer starting with 15, as TPNS issues them. */
export function generateAccessId(): number {
  return 1_500_000_000 + randomInt(100_000_000);
}
