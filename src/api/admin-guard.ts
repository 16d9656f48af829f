import type { Clock } from './deps.js';

export interface AdminGuardOptions {
  /** Bad admin tokens from one address within `windowMs` before it is locked out. */
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly lockoutMs: number;
}

export type GuardStatus =
  | { readonly locked: false }
  | { readonly locked: true; readonly retryAfterSeconds: number };

/** Failures after which each further bad token is answered more slowly. */
const SLOW_AFTER = 3;
const MAX_DELAY_MS = 2_000;
const MAX_TRACKED = 50_000;

/**
 * Slows down, then locks out, an address that keeps presenting bad admin tokens. While
 * locked out, every admin request from it is refused (429) without looking at the token,
 * so guessing cannot go on. State is in memory, per node.
 */
export class AdminGuard {
  private readonly failures = new Map<string, { count: number; since: number; lockedUntil: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly options: AdminGuardOptions,
  ) {}

  status(address: string): GuardStatus {
    const entry = this.failures.get(address);
    const now = this.clock.now();
    if (!entry || entry.lockedUntil <= now) return { locked: false };
    return { locked: true, retryAfterSeconds: Math.ceil((entry.lockedUntil - now) / 1000) };
  }

  /** Records a bad token; returns how long to wait before answering it. */
  fail(address: string): number {
    const now = this.clock.now();
    let entry = this.failures.get(address);
    if (!entry || now - entry.since > this.options.windowMs) {
      if (this.failures.size >= MAX_TRACKED) this.prune(now);
      entry = { count: 0, since: now, lockedUntil: 0 };
      this.failures.set(address, entry);
    }
    entry.count++;
    if (entry.count >= this.options.maxFailures) entry.lockedUntil = now + this.options.lockoutMs;
    return entry.count <= SLOW_AFTER ? 0 : Math.min(MAX_DELAY_MS, 100 * 2 ** (entry.count - SLOW_AFTER - 1));
  }

  succeed(address: string): void {
    this.failures.delete(address);
  }

  private prune(now: number): void {
    for (const [address, entry] of this.failures) {
      if (entry.lockedUntil <= now && now - entry.since > this.options.windowMs)
        this.failures.delete(address);
    }
    if (this.failures.size >= MAX_TRACKED) this.failures.clear();
  }
}
