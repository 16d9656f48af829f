import { describe, expect, it } from 'vitest';
import { TurnBatcher } from './turn-batch.js';

describe('TurnBatcher', () => {
  it('answers the lookups of one turn with one call per chunk of distinct keys', async () => {
    const calls: number[][] = [];
    const batcher = new TurnBatcher<number, string>(async (keys) => {
      calls.push(keys);
      return new Map(keys.filter((k) => k !== 4).map((k) => [k, `v${k}`]));
    }, 3);
    const answers = await Promise.all([1, 2, 2, 3, 4, 5].map((k) => batcher.load(k)));
    expect(answers).toEqual(['v1', 'v2', 'v2', 'v3', undefined, 'v5']);
    expect(calls).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(await batcher.load(9)).toBe('v9');
    expect(calls).toHaveLength(3);
  });

  it('rejects every lookup of a failed chunk, and only those', async () => {
    const batcher = new TurnBatcher<number, number>(async (keys) => {
      if (keys.includes(1)) throw new Error('down');
      return new Map(keys.map((k) => [k, k]));
    }, 2);
    const results = await Promise.allSettled([1, 2, 1, 3].map((k) => batcher.load(k)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'fulfilled']);
  });
});
