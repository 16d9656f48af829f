import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config.js';
import type { Store } from '../store/store.js';

export interface Clock {
  /** Unix milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Everything the HTTP app needs, passed in explicitly. */
export interface AppDeps {
  readonly store: Store;
  readonly config: Config;
  /** SHA-256 (hex) of the admin token. */
  readonly adminTokenHash: string;
  readonly clock?: Clock;
  readonly logger?: FastifyBaseLogger | boolean;
}
