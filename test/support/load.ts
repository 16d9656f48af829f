import { basicAuthorization } from '../../src/auth/sign.js';

export const LOAD_ADMIN_TOKEN = 'load-admin-token-0123456789abcdef';

export interface LoadApp {
  readonly accessId: number;
  readonly secretKey: string;
}

/** Creates an app with the given attribute names through a running attrd's admin API. */
export async function createLoadApp(url: string, names: string[]): Promise<LoadApp> {
  const headers = { authorization: `Bearer ${LOAD_ADMIN_TOKEN}`, 'content-type': 'application/json' };
  const created = (await (
    await fetch(`${url}/admin/v1/apps`, { method: 'POST', headers, body: JSON.stringify({ name: 'load' }) })
  ).json()) as { accessId: number; secretKey: string };
  for (const name of names) {
    const r = await fetch(`${url}/admin/v1/apps/${created.accessId}/attributes`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ name }),
    });
    if (r.status !== 201) throw new Error(`attribute ${name} not defined: ${r.status}`);
  }
  return { accessId: created.accessId, secretKey: created.secretKey };
}

/** One device API call; resolves with HTTP status and parsed body. */
export async function deviceCall(
  url: string,
  app: LoadApp,
  body: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}/v3/device/set_custom_attribute`, {
    method: 'POST',
    headers: {
      authorization: basicAuthorization(app.accessId, app.secretKey),
      'content-type': 'application/json',
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

export interface Writer {
  readonly token: string;
  /** The last value the server acknowledged (retCode 0), or -1. */
  lastAcked: number;
  /** The value of the request in flight when the writer stopped, if any. */
  inFlight: number | undefined;
  /** Responses that were neither an acknowledgement nor a connection failure. */
  readonly oddities: string[];
  done: Promise<void>;
}

/**
 * A writer that sets attribute `n` of its own token to 1, 2, 3… one request at a time,
 * until `stop()` returns true or the connection fails; it records what was acknowledged.
 */
export function startWriter(url: string, app: LoadApp, token: string, stop: () => boolean): Writer {
  const writer: Writer = { token, lastAcked: -1, inFlight: undefined, oddities: [], done: Promise.resolve() };
  writer.done = (async () => {
    for (let value = 1; !stop(); value++) {
      writer.inFlight = value;
      let result: { status: number; body: any };
      try {
        result = await deviceCall(url, app, {
          cmd: 1,
          token,
          attributeInfo: { attributeMap: { n: String(value) } },
        });
      } catch {
        return; // connection refused or cut: not acknowledged
      }
      if (result.status === 200 && result.body.retCode === 0) {
        writer.lastAcked = value;
        writer.inFlight = undefined;
      } else {
        writer.oddities.push(`${result.status} ${JSON.stringify(result.body)}`);
        return;
      }
    }
  })();
  return writer;
}

/** The value of attribute `n` of a token, as a number (-1 if absent). */
export async function readN(url: string, app: LoadApp, token: string): Promise<number> {
  const r = await deviceCall(url, app, { cmd: 5, token });
  const v = r.body.attributeInfo?.attributeMap?.n;
  return v === undefined ? -1 : Number(v);
}
