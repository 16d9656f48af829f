import { createHash, timingSafeEqual } from 'node:crypto';
import { sign } from './sign.js';

/** Request headers as Node gives them: lower-case names. */
export type Headers = Readonly<Record<string, string | string[] | undefined>>;

/** What a request claims, before any secret is looked up. */
export type Claim =
  | { readonly scheme: 'basic'; readonly accessId: number; readonly secretKey: string }
  | {
      readonly scheme: 'signature';
      readonly accessId: number;
      readonly timeStamp: string;
      readonly sign: string;
    };

const ACCESS_ID = /^[1-9][0-9]{0,15}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;

function header(headers: Headers, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value;
}

/**
 * `map`'s value for `key`, made once by `make` and kept. Bounded: the map is emptied when
 * it holds 10,000, so keys sent by clients (junk included) cannot grow memory.
 */
function remember<V>(map: Map<string, V>, key: string, make: (key: string) => V): V {
  let value = map.get(key);
  if (value === undefined) {
    if (map.size >= 10_000) map.clear();
    value = make(key);
    map.set(key, value);
  }
  return value;
}

// A client sends the same Basic header on every request: its claim is parsed once and kept.
// Claims are frozen; a malformed header is kept as null.
const basicClaims = new Map<string, Claim | null>();

function parseBasic(authorization: string): Claim | null {
  const match = /^Basic +([A-Za-z0-9+/]+={0,2}) *$/i.exec(authorization);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  const id = decoded.slice(0, colon);
  if (!ACCESS_ID.test(id)) return null;
  return Object.freeze({ scheme: 'basic', accessId: Number(id), secretKey: decoded.slice(colon + 1) });
}

/**
 * Reads the credentials of either scheme from the headers. An `Authorization: Basic`
 * header wins; otherwise the `AccessId`, `TimeStamp` and `Sign` headers are used (an
 * `Authorization` header of another scheme, added by some proxy, does not hide them).
 * Returns undefined for anything absent or malformed.
 */
export function parseClaim(headers: Headers): Claim | undefined {
  const authorization = header(headers, 'authorization');
  if (authorization !== undefined && /^Basic\b/i.test(authorization)) {
    return remember(basicClaims, authorization, parseBasic) ?? undefined;
  }
  const id = header(headers, 'accessid');
  const timeStamp = header(headers, 'timestamp');
  const signature = header(headers, 'sign');
  if (id === undefined || timeStamp === undefined || signature === undefined) return undefined;
  if (!ACCESS_ID.test(id) || !TIMESTAMP.test(timeStamp) || signature.length === 0 || signature.length > 256) {
    return undefined;
  }
  return { scheme: 'signature', accessId: Number(id), timeStamp, sign: signature };
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * A claimed signature against the expected one, in constant time for a given length. A
 * signature's length is public (Base64 of a 64-character hex digest: always 88), so only
 * the bytes need hiding; no digests of both, which cost 2.3 µs more per request.
 */
function sameSignature(claimed: string, expected: string): boolean {
  const a = Buffer.from(claimed, 'utf8');
  const b = Buffer.from(expected, 'latin1');
  return a.length === b.length && timingSafeEqual(a, b);
}

// The digests of secrets, kept: the app's and the one a Basic header claims are each hashed
// once, not on every request. Bounded: emptied when full. (A cached digest answers faster
// only for a secret someone already sent, which tells an attacker nothing that the answer
// to that same secret would not.)
const secretDigests = new Map<string, Buffer>();
const secretDigest = (secret: string): Buffer => remember(secretDigests, secret, digest);

/** A secret to check against when the accessId is unknown, so both paths cost the same. */
const DUMMY_SECRET = '00000000000000000000000000000000';

/**
 * Checks a claim against the app's secret (undefined when there is no such app; the
 * work done is the same, so timing tells nothing). `nowSeconds` and `windowSeconds`
 * bound the signature's TimeStamp.
 */
export function verifyClaim(
  claim: Claim,
  secretKey: string | undefined,
  body: Uint8Array | string,
  nowSeconds: number,
  windowSeconds: number,
): boolean {
  const secret = secretKey ?? DUMMY_SECRET;
  let good: boolean;
  if (claim.scheme === 'basic') {
    good = timingSafeEqual(secretDigest(claim.secretKey), secretDigest(secret));
  } else {
    const expected = sign(secret, claim.timeStamp, String(claim.accessId), body);
    good =
      sameSignature(claim.sign, expected) && Math.abs(nowSeconds - Number(claim.timeStamp)) <= windowSeconds;
  }
  return good && secretKey !== undefined;
}
