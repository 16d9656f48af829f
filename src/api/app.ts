import Fastify, { type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { consoleRoutes } from '../console/routes.js';
import { adminRoutes } from './admin.js';
import { AdminGuard } from './admin-guard.js';
import { type AppDeps, systemClock } from './deps.js';
import { deviceHandler, deviceRoutes } from './device.js';
import { serveDeviceFastPath } from './fast-path.js';
import { healthRoutes } from './health.js';
import { observability, requestId } from './observability.js';
import { openApiRoutes } from './openapi.js';

/** A route the app serves, as registered (Fastify path syntax). */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
}

/** Every route each app registered, for the OpenAPI test. */
export const registeredRoutes = new WeakMap<FastifyInstance, RouteEntry[]>();

/**
 * Builds the HTTP app from explicit dependencies. Nothing here reads the environment or
 * opens a store; `main.ts` does, and tests pass their own.
 */
export async function createApp(deps: AppDeps): Promise<FastifyInstance> {
  const clock = deps.clock ?? systemClock;
  const { config } = deps;
  const observed = observability(deps.store, config.metricsToken);
  const store = observed.store;
  const app = Fastify({
    ...(typeof deps.logger === 'object' ? { loggerInstance: deps.logger } : { logger: deps.logger ?? false }),
    bodyLimit: config.bodyLimitBytes,
    requestIdHeader: false,
    genReqId: requestId,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    // Node checks header/request timeouts on this timer (default 30 s): check often enough.
    http: {
      headersTimeout: config.headersTimeoutMs,
      connectionsCheckingInterval: Math.min(1000, Math.ceil(config.headersTimeoutMs / 2)),
    },
    trustProxy: config.trustProxy,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: (error, _request, reply: FastifyReply) =>
      reply.code(400).send({
        error: { code: 'invalid_request', message: `the request URL is malformed: ${error.message}` },
      }),
  });

  if (config.maxConnections > 0) app.server.maxConnections = config.maxConnections;
  const routes: RouteEntry[] = [];
  registeredRoutes.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });
  await app.register(observed.plugin);
  // One guard for the admin API and the console's sign-in: bad tokens count together.
  const guard = new AdminGuard(clock, {
    maxFailures: config.adminMaxFailures,
    windowMs: 10 * 60_000,
    lockoutMs: config.adminLockoutSeconds * 1000,
  });

  const handle = deviceHandler({
    store,
    clock,
    region: config.region,
    signWindowSeconds: config.signWindowSeconds,
    bodyLimitBytes: config.bodyLimitBytes,
    rateLimitPerSecond: config.rateLimitPerSecond,
  });
  await app.register(deviceRoutes, { handle, bodyLimitBytes: config.bodyLimitBytes });
  serveDeviceFastPath(app, {
    handle,
    bodyLimitBytes: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    finished: observed.finished,
  });
  await app.register(adminRoutes, {
    prefix: '/admin/v1',
    store,
    clock,
    region: config.region,
    adminTokenHash: deps.adminTokenHash,
    guard,
  });
  await app.register(healthRoutes, { store });
  await app.register(openApiRoutes);
  await app.register(consoleRoutes, {
    prefix: '/console',
    store,
    clock,
    adminTokenHash: deps.adminTokenHash,
    region: config.region,
    guard,
    sessionSeconds: config.consoleSessionSeconds,
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({
      error: { code: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` },
    }),
  );
  return app;
}
