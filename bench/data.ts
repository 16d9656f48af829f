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

/** The five preloaded attribute names and a value for each. */
export const benchNames = ['a0', 'a1', 'a2', 'a3', 'a4'] as const;
export const benchValue = (i: number, name: string): string => `${name}-${i % 100_000}`;
