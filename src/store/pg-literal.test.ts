import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testPgDatabase } from '../../test/support/stores.js';
import { bigintArray, booleanArray, inline, textArray, textLiteral } from './pg-literal.js';

const hostile = [
  "it's",
  'back\\slash',
  "\\'; DROP TABLE x; --",
  "E'\\x41'",
  '$1 $$ $tag$',
  '等级 🎮',
  '"quoted"',
  '',
];

describe('SQL literals for one-round-trip statements', () => {
  it('refuses what cannot be a literal', () => {
    expect(() => textLiteral('a\u0000b')).toThrow(/NUL/);
    expect(() => bigintArray([1.5])).toThrow(/safe integer/);
    expect(() => bigintArray(['1; DROP TABLE x'])).toThrow(/safe integer/);
    expect(() => inline('SELECT $1, $2', ['1'])).toThrow(/\$2/);
  });

  it('replaces $n placeholders, $10 as a whole', () => {
    const literals = Array.from({ length: 10 }, (_, i) => `L${i + 1}`);
    expect(inline('$1,$10,$2', literals)).toBe('L1,L10,L2');
  });
});

describe.runIf(testPgDatabase)('SQL literals on a real PostgreSQL server', () => {
  let client: pg.Client;
  beforeAll(async () => {
    client = new pg.Client({ connectionString: testPgDatabase });
    await client.connect();
  });
  afterAll(async () => client.end());

  it('carry hostile text, integers and booleans through unchanged, in one message', async () => {
    for (const standard of ['on', 'off']) {
      const results = (await client.query(
        `SET standard_conforming_strings = ${standard};
         SELECT ${textArray(hostile)} AS t, ${bigintArray([1, '1500000001', 2 ** 53 - 1])} AS b,
                ${booleanArray([true, false])} AS f;
         SELECT ${textLiteral("o'k")} AS one`,
      )) as unknown as pg.QueryResult[];
      expect(results[1]!.rows[0]).toEqual({
        t: hostile,
        b: ['1', '1500000001', String(2 ** 53 - 1)],
        f: [true, false],
      });
      expect(results[2]!.rows[0]).toEqual({ one: "o'k" });
    }
    await client.query('RESET standard_conforming_strings');
  });
});
