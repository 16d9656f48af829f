import { describe, expect, it } from 'vitest';
import {
  attributeNameProblem,
  attributeValueProblem,
  definitionNameProblem,
  isValidRegion,
  isValidToken,
  utf8Bytes,
} from './limits.js';

describe('byte limits', () => {
  it('counts UTF-8 bytes, not characters', () => {
    expect(utf8Bytes('a')).toBe(1);
    expect(utf8Bytes('级')).toBe(3);
    expect(utf8Bytes('😀')).toBe(4);
  });

  it('allows 50 bytes and refuses 51, for names and values', () => {
    for (const check of [attributeNameProblem, attributeValueProblem]) {
      expect(check('a'.repeat(50))).toBeUndefined();
      expect(check('a'.repeat(51))).toMatch(/51 bytes of UTF-8; the limit is 50 bytes/);
      expect(check('级'.repeat(16))).toBeUndefined(); // 48 bytes
      expect(check('级'.repeat(17))).toMatch(/51 bytes/); // 17 CJK characters are 51 bytes
      expect(check(`${'级'.repeat(16)}ab`)).toBeUndefined(); // exactly 50
      expect(check('😀'.repeat(13))).toMatch(/52 bytes/);
    }
  });

  it('refuses empty text, control characters and lone surrogates', () => {
    for (const check of [attributeNameProblem, attributeValueProblem]) {
      expect(check('')).toMatch(/must not be empty/);
      for (const bad of ['a\u0000', 'a\n', '\t', 'a\u007f', 'x\u0085', '\u001b[31m']) {
        expect(check(bad)).toMatch(/control character/);
      }
      expect(check('a\ud800')).toMatch(/lone surrogate/);
      expect(check('\udc00')).toMatch(/lone surrogate/);
    }
  });

  it('allows spaces inside names in requests but not in definitions', () => {
    expect(attributeNameProblem('first name')).toBeUndefined();
    expect(definitionNameProblem('first name')).toMatch(/whitespace/);
    expect(definitionNameProblem('name\u3000x')).toMatch(/whitespace/);
    expect(definitionNameProblem('等级')).toBeUndefined();
    expect(definitionNameProblem('__proto__')).toBeUndefined();
  });
});

describe('tokens', () => {
  it('accepts 1 to 64 printable ASCII characters without whitespace', () => {
    expect(isValidToken('a')).toBe(true);
    expect(isValidToken('x'.repeat(64))).toBe(true);
    expect(isValidToken('!~{}:/"\\')).toBe(true);
  });
  it.each(['', 'x'.repeat(65), 'a b', 'a\tb', 'é', 'a\u0000', 'tok\n', '级'])('refuses %j', (token) => {
    expect(isValidToken(token)).toBe(false);
  });
});

describe('regions', () => {
  it('accepts simple names and refuses others', () => {
    expect(isValidRegion('default')).toBe(true);
    expect(isValidRegion('ap-guangzhou')).toBe(true);
    expect(isValidRegion('')).toBe(false);
    expect(isValidRegion('Has Space')).toBe(false);
    expect(isValidRegion('x'.repeat(33))).toBe(false);
  });
});
