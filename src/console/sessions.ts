import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../api/deps.js';

/** A message shown once on the next page, after a redirect. */
export interface Flash {
  readonly kind: 'ok' | 'error';
  readonly message: string;
  /** Credentials to show once, with copy buttons (a new app or a rotated secret). */
  readonly credentials?: { readonly accessId: number; readonly secretKey: string };
}

export interface Session {
  readonly id: string;
  /** Sent in every state-changing form and compared in constant time. */
  readonly csrfToken: string;
  readonly expiresAt: number;
  flash?: Flash | undefined;
}

const MAX_SESSIONS = 10_000;

/**
 * Console sessions, in memory on this node. A session lasts a fixed time from sign-in
 * (it is not extended by use); signing out or expiry forgets it.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly clock: Clock,
    private readonly lifetimeMs: number,
  ) {}

  create(): Session {
    const now = this.clock.now();
    if (this.sessions.size >= MAX_SESSIONS) this.prune(now);
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      csrfToken: randomBytes(32).toString('base64url'),
      expiresAt: now + this.lifetimeMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session with this id, if any; an expired one is forgotten. */
  get(id: string | undefined): Session | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.clock.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return session;
  }

  destroy(id: string): void {
    this.sessions.delete(id);
  }

  private prune(now: number): void {
    for (const [id, session] of this.sessions) if (session.expiresAt <= now) this.sessions.delete(id);
  }
}

/** Constant-time comparison of a submitted CSRF token with the session's. */
export function csrfMatches(session: Session, submitted: unknown): boolean {
  if (typeof submitted !== 'string') return false;
  const a = Buffer.from(submitted, 'utf8');
  const b = Buffer.from(session.csrfToken, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The value of one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}
