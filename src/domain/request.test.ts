import { describe, expect, it } from 'vitest';
import { parseDeviceRequest } from './request.js';

const ID = 1500000001;
const parse = (body: unknown) => parseDeviceRequest(body, ID);
const failure = (body: unknown) => {
  const result = parse(body);
  if (result.ok) throw new Error(`expected a failure for ${JSON.stringify(body)}`);
  return result.failure;
};
const map = (attributeMap: unknown, cmd = 1) => ({ cmd, token: 'tok', attributeInfo: { attributeMap } });

describe('parseDeviceRequest: accepted requests', () => {
  it('parses cmd 1 and 2 into ordered pairs', () => {
    for (const cmd of [1, 2]) {
      expect(parse(map({ b: '2', a: '1' }, cmd))).toEqual({
        ok: true,
        value: {
          cmd,
          token: 'tok',
          attributes: [
            ['b', '2'],
            ['a', '1'],
          ],
        },
      });
    }
  });
  it('parses cmd 3 into names, ignoring the values whatever they are', () => {
    expect(parse(map({ a: null, b: 5, c: { deep: [1] }, d: '' }, 3))).toEqual({
      ok: true,
      value: { cmd: 3, token: 'tok', names: ['a', 'b', 'c', 'd'] },
    });
  });
  it('parses cmd 4 and 5 without attributeInfo, and ignores one sent', () => {
    expect(parse({ cmd: 4, token: 'tok' })).toEqual({ ok: true, value: { cmd: 4, token: 'tok' } });
    expect(parse({ cmd: 5, token: 'tok', attributeInfo: 'anything' })).toEqual({
      ok: true,
      value: { cmd: 5, token: 'tok' },
    });
  });
  it('accepts a body accessId equal to the authenticated app, and ignores unknown fields', () => {
    expect(parse({ cmd: 5, token: 'tok', accessId: ID, extra: true }).ok).toBe(true);
  });
  it('keeps prototype-like names as plain names', () => {
    const body = JSON.parse(
      '{"cmd":1,"token":"t","attributeInfo":{"attributeMap":{"__proto__":"x","constructor":"y"}}}',
    );
    expect(parse(body)).toEqual({
      ok: true,
      value: {
        cmd: 1,
        token: 't',
        attributes: [
          ['__proto__', 'x'],
          ['constructor', 'y'],
        ],
      },
    });
  });
  it('accepts 50-byte names and values, CJK included', () => {
    const name = `${'级'.repeat(16)}ab`;
    expect(parse(map({ [name]: 'v'.repeat(50) })).ok).toBe(true);
  });
});

describe('parseDeviceRequest: refused requests', () => {
  it.each([[null], [[]], ['text'], [5], [true]])('1008001 for a body that is not an object: %j', (body) => {
    expect(failure(body)).toMatchObject({
      retCode: 1008001,
      errMsg: expect.stringMatching(/must be a JSON object/),
    });
  });

  it('1008035 for another app’s accessId, 1008007 for a non-integer one', () => {
    expect(failure({ cmd: 5, token: 't', accessId: 1500000002 })).toEqual({
      retCode: 1008035,
      errMsg: 'accessId 1500000002 in the body differs from the authenticated app 1500000001',
    });
    expect(failure({ cmd: 5, token: 't', accessId: '1500000001' }).retCode).toBe(1008007);
    expect(failure({ cmd: 5, token: 't', accessId: 1.5 }).retCode).toBe(1008007);
  });

  it('1008002 for a missing cmd, token or attributeMap', () => {
    expect(failure({ token: 't' })).toEqual({ retCode: 1008002, errMsg: 'missing parameter: cmd' });
    expect(failure({ cmd: 5 })).toEqual({ retCode: 1008002, errMsg: 'missing parameter: token' });
    for (const cmd of [1, 2, 3]) {
      expect(failure({ cmd, token: 't' })).toMatchObject({
        retCode: 1008002,
        errMsg: expect.stringMatching(/attributeInfo\.attributeMap/),
      });
      expect(failure({ cmd, token: 't', attributeInfo: {} })).toMatchObject({ retCode: 1008002 });
    }
  });

  it.each([['1'], [1.5], [null], [0], [6], [-1], [true], [[1]], [1e300]])('1008007 for cmd %j', (cmd) => {
    expect(failure({ cmd, token: 't' })).toMatchObject({
      retCode: 1008007,
      errMsg: expect.stringMatching(/^cmd /),
    });
  });

  it.each([[''], [null], [5], [{}], ['a b'], ['x'.repeat(65)], ['é'], ['\u0000']])(
    '1008029 for token %j',
    (token) => {
      expect(failure({ cmd: 5, token })).toMatchObject({
        retCode: 1008029,
        errMsg: expect.stringMatching(/token/),
      });
    },
  );

  it('1008007 for a wrongly typed attributeInfo or attributeMap, and an empty map', () => {
    expect(failure({ cmd: 1, token: 't', attributeInfo: [] }).errMsg).toMatch(
      /attributeInfo must be an object/,
    );
    expect(failure(map('x')).errMsg).toMatch(/attributeMap must be an object, got the string/);
    expect(failure(map([['a', 'b']])).errMsg).toMatch(/attributeMap must be an object, got an array/);
    expect(failure(map(null)).retCode).toBe(1008007);
    expect(failure(map({}))).toEqual({
      retCode: 1008007,
      errMsg: 'attributeInfo.attributeMap must not be empty',
    });
    expect(failure(map({}, 3)).retCode).toBe(1008007);
  });

  it('1008007 naming the key for a non-string value', () => {
    expect(failure(map({ level: 7 }))).toEqual({
      retCode: 1008007,
      errMsg: 'attributeMap["level"]: value must be a JSON string, got the number 7',
    });
    for (const value of [null, true, [], {}]) expect(failure(map({ level: value })).retCode).toBe(1008007);
  });

  it('1008007 naming the key and the limit for a 51-byte name or value', () => {
    expect(failure(map({ ['n'.repeat(51)]: 'v' })).errMsg).toMatch(
      /attributeMap key "n+": attribute name is 51 bytes of UTF-8; the limit is 50 bytes/,
    );
    expect(failure(map({ level: '级'.repeat(17) }))).toEqual({
      retCode: 1008007,
      errMsg: 'attributeMap["level"]: value is 51 bytes of UTF-8; the limit is 50 bytes',
    });
    expect(failure(map({ ['n'.repeat(51)]: 'ignored' }, 3)).retCode).toBe(1008007);
  });

  it('1008007 for empty, control-character and lone-surrogate names and values', () => {
    expect(failure(map({ '': 'v' })).errMsg).toMatch(/attribute name must not be empty/);
    expect(failure(map({ level: '' })).errMsg).toMatch(/value must not be empty/);
    expect(failure(map({ 'a\nb': 'v' })).errMsg).toMatch(/control character/);
    expect(failure(map({ level: 'a\u0000' })).errMsg).toMatch(/control character/);
    expect(failure(map({ level: '\ud83d' })).errMsg).toMatch(/lone surrogate/);
  });

  it('refuses the whole request when any entry is bad', () => {
    expect(failure(map({ a: 'fine', b: 'x'.repeat(51), c: 'fine' })).retCode).toBe(1008007);
  });

  it('checks in a fixed order: accessId, cmd, token, attributeInfo', () => {
    expect(failure({ accessId: 1, token: '' }).retCode).toBe(1008035);
    expect(failure({ token: '' }).retCode).toBe(1008002);
    expect(failure({ cmd: 9, token: '' }).retCode).toBe(1008007);
    expect(failure({ cmd: 1, token: '' }).retCode).toBe(1008029);
  });
});
