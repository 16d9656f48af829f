import { describe, expect, it } from 'vitest';
import { type Claim, parseClaim, verifyClaim } from './credentials.js';
import { basicAuthorization, sign } from './sign.js';

// SPEC §2 test vectors.
const SECRET = '8d1f0a6c2b9e4f7a3c5d6e7f8091a2b3';
const QUERY = '{"cmd":5,"token":"0a1b2c3d4e5f60718293a4b5c6d7e8f9abcd"}';
const ADD =
  '{"cmd":1,"token":"0a1b2c3d4e5f60718293a4b5c6d7e8f9abcd","attributeInfo":{"attributeMap":{"nickname":"Mia","level":"7"}}}';
const QUERY_SIGN = 'NTBhZGYzOWNmNzZlZjA5N2ZjNGM5ZDI1OTAzNzc5ODBmMTExZGY4ZjMzZGYyZDliMDZlM2YxNmJlODc5ZjUzMQ==';
const ADD_SIGN = 'YmU4MDk3MTg3NTZkMGI3YTUzYjE2MTIxMGZjMzY5ODEzMjhmZDVhYzY0YmM5ODNiMzAwNDNiYzcxMDA2OGQ4Mg==';

describe('sign (SPEC §2 vectors)', () => {
  it('matches both vectors', () => {
    expect(sign(SECRET, '1700000000', '1500000001', QUERY)).toBe(QUERY_SIGN);
    expect(sign(SECRET, '1700000000', '1500000001', ADD)).toBe(ADD_SIGN);
  });
  it('signs bytes the same as text', () => {
    expect(sign(SECRET, '1700000000', '1500000001', Buffer.from(ADD))).toBe(ADD_SIGN);
  });
  it('makes the Basic header of the SPEC', () => {
    expect(basicAuthorization(1500000001, SECRET)).toBe(
      'Basic MTUwMDAwMDAwMTo4ZDFmMGE2YzJiOWU0ZjdhM2M1ZDZlN2Y4MDkxYTJiMw==',
    );
  });
});

describe('parseClaim', () => {
  it('reads Basic', () => {
    expect(parseClaim({ authorization: basicAuthorization(1500000001, SECRET) })).toEqual({
      scheme: 'basic',
      accessId: 1500000001,
      secretKey: SECRET,
    });
  });
  it('reads each Basic header the same however often it comes, past the bound of kept claims', () => {
    const headers = Array.from({ length: 10_050 }, (_, i) => basicAuthorization(1500000001 + i, `s-${i}`));
    for (const round of [0, 1]) {
      for (const [i, authorization] of headers.entries()) {
        if (round === 1 && i % 97 !== 0) continue;
        expect(parseClaim({ authorization })).toEqual({
          scheme: 'basic',
          accessId: 1500000001 + i,
          secretKey: `s-${i}`,
        });
      }
    }
    const claim = parseClaim({ authorization: headers[0]! })!;
    expect(Object.isFrozen(claim)).toBe(true);
    expect(parseClaim({ authorization: `${headers[0]!}!` })).toBeUndefined();
  });
  it('reads the signature headers', () => {
    expect(parseClaim({ accessid: '1500000001', timestamp: '1700000000', sign: QUERY_SIGN })).toEqual({
      scheme: 'signature',
      accessId: 1500000001,
      timeStamp: '1700000000',
      sign: QUERY_SIGN,
    });
  });
  it('prefers Basic, and reads the signature beside an Authorization of another scheme', () => {
    const signature = { accessid: '1500000001', timestamp: '1700000000', sign: QUERY_SIGN };
    expect(
      parseClaim({ ...signature, authorization: basicAuthorization(1500000002, SECRET) })?.accessId,
    ).toBe(1500000002);
    expect(parseClaim({ ...signature, authorization: 'Bearer proxy-token' })?.scheme).toBe('signature');
  });
  it.each([
    [{}],
    [{ authorization: 'Bearer abc' }],
    [{ authorization: 'Basic !!!' }],
    [{ authorization: `Basic ${Buffer.from('no-colon').toString('base64')}` }],
    [{ authorization: `Basic ${Buffer.from('abc:secret').toString('base64')}` }],
    [{ authorization: `Basic ${Buffer.from('0150:secret').toString('base64')}` }],
    [{ accessid: '1500000001', timestamp: '1700000000' }],
    [{ accessid: '1500000001', sign: QUERY_SIGN }],
    [{ accessid: 'x', timestamp: '1700000000', sign: QUERY_SIGN }],
    [{ accessid: '1500000001', timestamp: '-1', sign: QUERY_SIGN }],
    [{ accessid: '1500000001', timestamp: '1700000000', sign: '' }],
    [{ accessid: ['1500000001', '1500000002'], timestamp: '1700000000', sign: QUERY_SIGN }],
  ])('refuses malformed credentials %j', (headers) => {
    expect(parseClaim(headers)).toBeUndefined();
  });
});

describe('verifyClaim', () => {
  const now = 1_700_000_000;
  const basic = (secretKey: string): Claim => ({ scheme: 'basic', accessId: 1500000001, secretKey });
  const signed = (signature: string, timeStamp = '1700000000'): Claim => ({
    scheme: 'signature',
    accessId: 1500000001,
    timeStamp,
    sign: signature,
  });

  it('accepts the right Basic secret and refuses others', () => {
    expect(verifyClaim(basic(SECRET), SECRET, '', now, 300)).toBe(true);
    expect(verifyClaim(basic(SECRET.toUpperCase()), SECRET, '', now, 300)).toBe(false);
    expect(verifyClaim(basic(''), SECRET, '', now, 300)).toBe(false);
    expect(verifyClaim(basic(SECRET), undefined, '', now, 300)).toBe(false);
  });

  it('accepts the vector signature and refuses a tampered body', () => {
    expect(verifyClaim(signed(QUERY_SIGN), SECRET, QUERY, now, 300)).toBe(true);
    expect(verifyClaim(signed(QUERY_SIGN), SECRET, QUERY.replace('5', '4'), now, 300)).toBe(false);
  });

  it('refuses a signature one character off, cut short, lengthened or in other characters', () => {
    const last = QUERY_SIGN.at(-1) === 'A' ? 'B' : 'A';
    for (const wrong of [
      QUERY_SIGN.slice(0, -1) + last,
      QUERY_SIGN.slice(0, -1),
      `${QUERY_SIGN}=`,
      `é${QUERY_SIGN.slice(2)}`,
      QUERY_SIGN.toLowerCase(),
    ]) {
      expect(verifyClaim(signed(wrong), SECRET, QUERY, now, 300), wrong).toBe(false);
    }
  });

  it('refuses Base64 of the raw digest instead of the hex text', async () => {
    const { createHmac } = await import('node:crypto');
    const raw = createHmac('sha256', SECRET).update(`1700000000150000000${1}${QUERY}`).digest('base64');
    expect(verifyClaim(signed(raw), SECRET, QUERY, now, 300)).toBe(false);
  });

  it('refuses a TimeStamp outside the window, both ways, and accepts its edges', () => {
    expect(verifyClaim(signed(QUERY_SIGN), SECRET, QUERY, now + 300, 300)).toBe(true);
    expect(verifyClaim(signed(QUERY_SIGN), SECRET, QUERY, now - 300, 300)).toBe(true);
    expect(verifyClaim(signed(QUERY_SIGN), SECRET, QUERY, now + 301, 300)).toBe(false);
    expect(verifyClaim(signed(QUERY_SIGN), SECRET, QUERY, now - 301, 300)).toBe(false);
  });

  it('refuses the signature of another secret and of an unknown app', () => {
    const other = sign('ffffffffffffffffffffffffffffffff', '1700000000', '1500000001', QUERY);
    expect(verifyClaim(signed(other), SECRET, QUERY, now, 300)).toBe(false);
    expect(verifyClaim(signed(QUERY_SIGN), undefined, QUERY, now, 300)).toBe(false);
  });
});
