import { ConnectionError } from './errors.js';

/** How a client talks HTTP: where, how long to wait, how often to retry. */
export interface TransportOptions {
  /** The server's base URL, as in `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Per attempt, in milliseconds (default 10000). */
  readonly timeoutMs?: number;
  /** Attempts in all, at least 1 (default 3). Only network errors, timeouts and 5xx are retried. */
  readonly attempts?: number;
  /** First back-off in milliseconds, doubled each retry, with full jitter (default 100). */
  readonly backoffMs?: number;
  /** Replaces the global fetch (for proxies or instrumentation). */
  readonly fetch?: typeof fetch;
}

export interface RawResponse {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One HTTP call with a timeout per attempt and bounded retries with exponential back-off
 * and jitter on network errors, timeouts and 5xx answers. Retrying is safe for every call
 * attrd offers: device writes set, delete or clear to a given state (idempotent), and
 * admin calls either are reads or fail cleanly on a repeat (for example 409 for a
 * definition that the first attempt created).
 */
export async function request(
  options: TransportOptions,
  method: string,
  path: string,
  init: { headers?: Record<string, string>; body?: string } = {},
): Promise<RawResponse> {
  const attempts = Math.max(1, options.attempts ?? 3);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const backoffMs = options.backoffMs ?? 100;
  const doFetch = options.fetch ?? fetch;
  const url = new URL(path, options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  let last: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (attempt > 1) {
      const cap = backoffMs * 2 ** (attempt - 2);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * cap));
    }
    let response: Response;
    try {
      response = await doFetch(url, {
        method,
        headers: init.headers ?? {},
        ...(init.body === undefined ? {} : { body: init.body }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      last = error;
      continue;
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (response.status >= 500 && attempt < attempts) {
      last = new Error(`HTTP ${response.status}`);
      continue;
    }
    return { status: response.status, body };
  }
  const reason =
    (last as Error)?.name === 'TimeoutError'
      ? `no answer within ${timeoutMs} ms`
      : ((last as Error)?.message ?? String(last));
  throw new ConnectionError(
    `could not reach ${url.origin} after ${attempts} attempt(s): ${reason}${causeText(last)}`,
    attempts,
    last,
  );
}

function causeText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  return cause?.code ? ` (${cause.code})` : '';
}
