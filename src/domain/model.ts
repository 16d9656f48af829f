/** The records attrd keeps, in the SPEC's words. Times are Unix milliseconds. */

export interface App {
  readonly accessId: number;
  readonly secretKey: string;
  readonly name: string;
  readonly region: string;
  readonly createdAt: number;
}

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
