import type { Clock } from './deps.js';

/**
 * Token buckets per app: `perSecond` requests a second on average, in bursts of up to one
 * second's worth. Kept in memory on each node, so with N nodes an app may make up to N
 * times its limit in all.
 */
export class RateLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly maxTracked = 100_000,
  ) {}

  /** Takes one request's token; false if the app is over its rate. */
  take(accessId: number, perSecond: number): boolean {
    const now = this.clock.now();
    let bucket = this.buckets.get(accessId);
    if (!bucket) {
      if (this.buckets.size >= this.maxTracked) this.buckets.clear();
      bucket = { tokens: perSecond, at: now };
      this.buckets.set(accessId, bucket);
    } else {
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
