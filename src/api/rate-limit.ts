import type { Clock } from './deps.js';

/**
 * Token buckets per app: `perSecond` requests a second on average, in bursts of up to one
 * second's worth. A raised limit holds at once: its extra second's worth is added to the
 * bucket (a lowered one caps it). Kept in memory on each node, so with N nodes an app may
 * make up to N times its limit in all.
 */
export class RateLimiter {
  private readonly buckets = new Map<number, { tokens: number; at: number; perSecond: number }>();

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
      bucket = { tokens: perSecond, at: now, perSecond };
      this.buckets.set(accessId, bucket);
    } else {
      const raised = Math.max(0, perSecond - bucket.perSecond);
      const refill = ((now - bucket.at) / 1000) * perSecond;
      bucket.tokens = Math.min(perSecond, bucket.tokens + raised + refill);
      bucket.at = now;
      bucket.perSecond = perSecond;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
