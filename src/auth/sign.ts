import { createHmac } from 'node:crypto';

/**
 * The TPNS request signature (SPEC §2): Base64 of the lowercase hex HMAC-SHA256 digest
 * of `TimeStamp + AccessId + body`, keyed with the secretKey as UTF-8 text.
 * Shared by the server and the client SDK so that the two cannot drift.
 */
export function sign(
  secretKey: string,
  timeStamp: string,
  accessId: string,
  body: string | Uint8Array,
): string {
  const hmac = createHmac('sha256', secretKey);
  hmac.update(timeStamp + accessId);
  hmac.update(body);
  return Buffer.from(hmac.digest('hex'), 'utf8').toString('base64');
}

/** The `Authorization` header value of the Basic scheme. */
export function basicAuthorization(accessId: number | string, secretKey: string): string {
  return `Basic ${Buffer.from(`${accessId}:${secretKey}`, 'utf8').toString('base64')}`;
}
