/** The records attrd keeps, in the SPEC's words. Times are Unix milliseconds. */

export interface App {
  readonly accessId: number;
  readonly secretKey: string;
  readonly name: string;
  readonly region: string;
  readonly createdAt: number;
  /** Device API requests per second this app may make on each node; null = the server default. */
  readonly rateLimitPerSecond: number | null;
}

/** A change of an app's settings; absent fields are left as they are. */
export interface AppChanges {
  readonly name?: string;
  readonly rateLimitPerSecond?: number | null;
}

/** One admin action, as the audit log keeps it. */
export interface AuditEntry {
  readonly id: number;
  readonly at: number;
  /** Who acted: `admin-api` or `console`, with the client address. */
  readonly actor: string;
  /** For example `app.created`, `attribute.deleted`. */
  readonly action: string;
  readonly accessId: number | null;
  /** What changed, without secrets: for example the attribute name. */
  readonly detail: Readonly<Record<string, unknown>>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id'>;

export interface Definition {
  readonly name: string;
  readonly description: string;
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Tokens of the app that hold a value for this name; exact. */
  readonly deviceCount: number;
}

/** An attribute map as the wire carries it: name → value. */
export type AttributeMap = Readonly<Record<string, string>>;
