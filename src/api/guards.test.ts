import { describe, expect, it } from 'vitest';
import { AdminGuard } from './admin-guard.js';
import { RateLimiter } from './rate-limit.js';

describe('RateLimiter', () => {
  it('allows a burst of one second’s worth, then refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ now: () => now });
    const burst = Array.from({ length: 6 }, () => limiter.take(1, 5));
    expect(burst).toEqual([true, true, true, true, true, false]);
    now += 200; // one token back
    expect(limiter.take(1, 5)).toBe(true);
    expect(limiter.take(1, 5)).toBe(false);
    expect(limiter.take(2, 5)).toBe(true); // apps have their own buckets
    now += 10_000; // never more than the burst
    expect(Array.from({ length: 6 }, () => limiter.take(1, 5)).filter(Boolean)).toHaveLength(5);
  });

  it('honours a raised limit at once and a lowered one from the next request', () => {
    const now = 0;
    const limiter = new RateLimiter({ now: () => now });
    expect([limiter.take(1, 1), limiter.take(1, 1)]).toEqual([true, false]);
    // raised to 3 in the same instant: two more at once, then the bucket is empty again
    expect([limiter.take(1, 3), limiter.take(1, 3), limiter.take(1, 3)]).toEqual([true, true, false]);
    const lowered = new RateLimiter({ now: () => now });
    expect(Array.from({ length: 3 }, () => lowered.take(2, 100)).every(Boolean)).toBe(true);
    // lowered to 2: the bucket holds at most 2, whatever it held before
    expect(Array.from({ length: 4 }, () => lowered.take(2, 2))).toEqual([true, true, false, false]);
  });
});

describe('AdminGuard', () => {
  it('delays after three failures, locks out at the limit, and forgets after the lockout', () => {
    let now = 0;
    const guard = new AdminGuard({ now: () => now }, { maxFailures: 6, windowMs: 60_000, lockoutMs: 30_000 });
    const delays = Array.from({ length: 5 }, () => guard.fail('1.2.3.4'));
    expect(delays).toEqual([0, 0, 0, 100, 200]);
    expect(guard.status('1.2.3.4')).toEqual({ locked: false });
    guard.fail('1.2.3.4');
    expect(guard.status('1.2.3.4')).toEqual({ locked: true, retryAfterSeconds: 30 });
    expect(guard.status('5.6.7.8')).toEqual({ locked: false });
    now += 30_001;
    expect(guard.status('1.2.3.4')).toEqual({ locked: false });
  });

  it('starts counting again after the window, and after a success', () => {
    let now = 0;
    const guard = new AdminGuard({ now: () => now }, { maxFailures: 3, windowMs: 1_000, lockoutMs: 30_000 });
    guard.fail('a');
    guard.fail('a');
    now += 1_001;
    guard.fail('a');
    expect(guard.status('a').locked).toBe(false);
    guard.fail('a');
    guard.succeed('a');
    guard.fail('a');
    guard.fail('a');
    expect(guard.status('a').locked).toBe(false);
  });

  it('caps the delay', () => {
    const guard = new AdminGuard({ now: () => 0 }, { maxFailures: 1000, windowMs: 60_000, lockoutMs: 1 });
    const delays = Array.from({ length: 30 }, () => guard.fail('x'));
    expect(Math.max(...delays)).toBe(2_000);
  });
});
