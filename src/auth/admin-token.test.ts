import { describe, expect, it } from 'vitest';
import { checkBearer, generateAdminToken, hashAdminToken, matchesAdminToken } from './admin-token.js';

describe('admin token', () => {
  const token = generateAdminToken();
  const hash = hashAdminToken(token);

  it('is long and random', () => {
    expect(token).toMatch(/^attrd_[A-Za-z0-9_-]{43}$/);
    expect(generateAdminToken()).not.toBe(token);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('accepts only the exact Bearer token', () => {
    expect(checkBearer(`Bearer ${token}`, hash)).toBe(true);
    expect(checkBearer(`bearer ${token}`, hash)).toBe(true);
    expect(checkBearer(`Bearer ${token}x`, hash)).toBe(false);
    expect(checkBearer(token, hash)).toBe(false);
    expect(checkBearer('Bearer ', hash)).toBe(false);
    expect(checkBearer(undefined, hash)).toBe(false);
    expect(checkBearer(`Basic ${token}`, hash)).toBe(false);
  });

  it('refuses the empty token even against the hash of the empty string', () => {
    expect(checkBearer(undefined, hashAdminToken(''))).toBe(false);
  });

  it('matches a token from the console sign-in form exactly, never the empty one', () => {
    expect(matchesAdminToken(token, hash)).toBe(true);
    expect(matchesAdminToken(`${token} `, hash)).toBe(false);
    expect(matchesAdminToken(token.slice(1), hash)).toBe(false);
    expect(matchesAdminToken('', hashAdminToken(''))).toBe(false);
  });
});
