/** What the bench's processes share: the scenarios, the tokens and the values. */
import { createHash } from 'node:crypto';

export type Scenario = 'write-basic' | 'write-sign' | 'read' | 'mix';

export interface LoadOptions {
  readonly url: string;
  readonly scenario: Scenario;
  readonly accessId: number;
  readonly secretKey: string;
  /** Tokens 0…tokens-1 exist (preloaded); requests pick among them at random. */
  readonly tokens: number;
  readonly connections: number;
  readonly seconds: number;
}

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** Connection errors, timeouts, non-2xx answers and 2xx answers without retCode 0. */
  readonly errors: number;
}

/** The bench's token number `i`: 40 hex characters, spread like real push tokens. */
export const benchToken = (i: number): string => createHash('sha1').update(`token-${i}`).digest('hex');

/** The five preloaded attribute names. */
export const benchNames = ['a0', 'a1', 'a2', 'a3', 'a4'] as const;

/**
 * What every write sends for a1 and a2 (a0 gets a new random value each time), as a
 * server refreshing a device's attributes does: one value changes, two stay the same.
 */
export const benchWriteConstants = { a1: 'campaign-42', a2: 'cn' } as const;

/**
 * Token `i`'s preloaded value for `name`. a1 and a2 hold what writes send, so a write is
 * the same work on a preloaded token as on one written before: one changed value, two
 * unchanged (which the store skips). Otherwise a token's first write would change three,
 * and the 1M-token phase, where most writes are a token's first, would measure heavier
 * writes than the 10k one, whose tokens are all written within its first second.
 */
export const benchValue = (i: number, name: string): string =>
  name === 'a1' || name === 'a2' ? benchWriteConstants[name] : `${name}-${i % 100_000}`;
