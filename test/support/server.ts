import { createApp } from '../../src/api/app.js';
import type { Clock } from '../../src/api/deps.js';
import { hashAdminToken } from '../../src/auth/admin-token.js';
import { basicAuthorization, sign } from '../../src/auth/sign.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { Store } from '../../src/store/store.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';

export interface TestApp {
  readonly accessId: number;
  readonly secretKey: string;
}

export interface TestServer {
  readonly url: string;
  readonly store: Store;
  readonly config: Config;
  /** An admin API call with the admin token. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Creates an app and defines the given attribute names. */
  newApp(names?: string[], region?: string): Promise<TestApp>;
  /** A device API call; Basic auth by default. */
  device(
    app: TestApp,
    body: unknown,
    options?: { scheme?: 'basic' | 'signature'; timeStamp?: number; raw?: string },
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** Serves a real attrd app on 127.0.0.1, on a free port, over the given store. */
export async function startTestServer(
  store: Store,
  env: Record<string, string> = {},
  clock?: Clock,
): Promise<TestServer> {
  const config = loadConfig({
    ATTRD_ADMIN_TOKEN: ADMIN_TOKEN,
    ATTRD_PORT: '0',
    ATTRD_HOST: '127.0.0.1',
    ...env,
  });
  const app = await createApp({
    store,
    config,
    adminTokenHash: hashAdminToken(ADMIN_TOKEN),
    ...(clock ? { clock } : {}),
  });
  const address = await app.listen({ host: '127.0.0.1', port: 0 });

  const admin: TestServer['admin'] = async (method, path, body) => {
    const response = await fetch(`${address}/admin/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  return {
    url: address,
    store,
    config,
    admin,
    async newApp(names = [], region) {
      const created = await admin('POST', '/apps', { name: 'test app', ...(region ? { region } : {}) });
      if (created.status !== 201) throw new Error(`app not created: ${JSON.stringify(created.body)}`);
      for (const name of names) {
        const defined = await admin('POST', `/apps/${created.body.accessId}/attributes`, { name });
        if (defined.status !== 201) throw new Error(`attribute not defined: ${JSON.stringify(defined.body)}`);
      }
      return { accessId: created.body.accessId, secretKey: created.body.secretKey };
    },
    async device(testApp, body, options = {}) {
      const raw = options.raw ?? JSON.stringify(body);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.scheme === 'signature') {
        const timeStamp = String(options.timeStamp ?? Math.floor(Date.now() / 1000));
        headers.AccessId = String(testApp.accessId);
        headers.TimeStamp = timeStamp;
        headers.Sign = sign(testApp.secretKey, timeStamp, String(testApp.accessId), raw);
      } else {
        headers.Authorization = basicAuthorization(testApp.accessId, testApp.secretKey);
      }
      const response = await fetch(`${address}/v3/device/set_custom_attribute`, {
        method: 'POST',
        headers,
        body: raw,
      });
      return { status: response.status, body: (await response.json()) as any };
    },
    async close() {
      await app.close();
      await store.close();
    },
  };
}
