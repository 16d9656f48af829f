/** A TPNS answer with a non-zero `retCode`: the request was refused (or the store failed). */
export class TpnsError extends Error {
  override name = 'TpnsError';
  constructor(
    readonly retCode: number,
    readonly errMsg: string,
    /** Names the request sent that the app has not defined (skipped, not an error by themselves). */
    readonly invalidAttribute: readonly string[] = [],
    /** The HTTP status (200 for every retCode but 1008004). */
    readonly status = 200,
  ) {
    super(`TPNS retCode ${retCode}: ${errMsg}`);
  }
}

/** An admin API error: `{ error: { code, message } }` with its HTTP status. */
export class AdminError extends Error {
  override name = 'AdminError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(`${code} (HTTP ${status}): ${message}`);
  }
}

/** The server could not be reached, or did not answer in time, after every attempt. */
export class ConnectionError extends Error {
  override name = 'ConnectionError';
  constructor(
    message: string,
    /** How many attempts were made. */
    readonly attempts: number,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}
