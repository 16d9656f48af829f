import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createApp } from './api/app.js';
import { generateAdminToken, hashAdminToken } from './auth/admin-token.js';
import type { Config } from './config.js';
import { assertNoSealedSecrets, resealSecrets, SecretEncryptingStore } from './store/encrypted.js';
import { openStore } from './store/open.js';
import type { Store } from './store/store.js';

export const ADMIN_TOKEN_SETTING = 'admin_token_sha256';

export interface RunningServer {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly url: string;
  /** Stops accepting, finishes requests in flight, commits and closes the store. */
  stop(): Promise<void>;
}

/**
 * The admin token's hash: from ATTRD_ADMIN_TOKEN when set; otherwise the stored one;
 * otherwise a new token is made, only its hash stored, and the token handed to `announce`.
 */
export async function resolveAdminTokenHash(
  config: Config,
  store: Store,
  announce: (token: string) => void,
): Promise<string> {
  if (config.adminToken !== undefined) return hashAdminToken(config.adminToken);
  const stored = await store.getSetting(ADMIN_TOKEN_SETTING);
  if (stored !== undefined) return stored;
  const token = generateAdminToken();
  const hash = hashAdminToken(token);
  if (await store.initSetting(ADMIN_TOKEN_SETTING, hash)) {
    announce(token);
    return hash;
  }
  // Another node made one at the same moment: use theirs.
  return (await store.getSetting(ADMIN_TOKEN_SETTING))!;
}

/**
 * Stops listening (new connections are refused), lets requests in flight finish, and
 * after `graceMs` cuts the connections that are still open.
 */
async function closeWithin(app: FastifyInstance, graceMs: number): Promise<void> {
  const timer = setTimeout(() => app.server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
}

/** Opens the store, builds the app and listens: the whole service, for main and tests. */
export async function startServer(config: Config, announce: (token: string) => void): Promise<RunningServer> {
  const logger = pino({ level: config.logLevel, redact: ['req.headers.authorization', 'req.headers.sign'] });
  const inner = await openStore(config, (error) =>
    logger.warn(
      { err: { message: error.message } },
      'a pooled database connection failed; it will be replaced',
    ),
  );
  let store: Store = inner;
  try {
    if (config.secretKeyring) {
      await resealSecrets(inner, config.secretKeyring);
      store = new SecretEncryptingStore(inner, config.secretKeyring);
    } else {
      await assertNoSealedSecrets(inner);
    }
    const adminTokenHash = await resolveAdminTokenHash(config, store, announce);
    const app = await createApp({ store, config, adminTokenHash, logger });
    const url = await app.listen({ host: config.host, port: config.port });
    let stopping: Promise<void> | undefined;
    return {
      app,
      store,
      url,
      stop: () => {
        stopping ??= closeWithin(app, config.shutdownGraceMs).then(() => store.close());
        return stopping;
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
