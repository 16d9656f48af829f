import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Store } from '../store/store.js';
import { FastCounter, FastHistogram } from './metrics.js';

interface TpnsOutcome {
  cmd?: number;
  retCode?: number;
}
const outcomes = new WeakMap<FastifyRequest, TpnsOutcome>();

function note(request: FastifyRequest, noted: TpnsOutcome): void {
  const outcome = outcomes.get(request);
  if (outcome) Object.assign(outcome, noted);
  else outcomes.set(request, noted);
}

/** The device route notes the request's cmd here, for metrics and the request log line. */
export const noteCmd = (request: FastifyRequest, cmd: number): void => note(request, { cmd });

/** The device route notes the retCode it answers, for metrics and the request log line. */
export const noteRetCode = (request: FastifyRequest, retCode: number): void => note(request, { retCode });

/** An answered request, as its metrics and log line see it. */
export interface AnsweredRequest {
  readonly route: string;
  readonly method: string;
  readonly status: number;
  readonly cmd?: number;
  readonly retCode?: number;
  readonly elapsedMs: number;
  /** The client's address, asked for only when the line is written. */
  readonly remote: () => string | undefined;
}

/** Counts, times and logs an answered request (the onResponse hook, and the device fast path). */
export type RequestFinished = (log: FastifyBaseLogger, answered: AnsweredRequest) => void;

/** Whether `log` writes `info` lines (a logger without levels is asked to, and drops them). */
export const logsInfo = (log: FastifyBaseLogger): boolean =>
  (log as { isLevelEnabled?: (level: string) => boolean }).isLevelEnabled?.('info') !== false;

/** A client's x-request-id when it is short printable ASCII; otherwise a new UUID. */
export function requestId(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && /^[\x21-\x7e]{1,128}$/.test(given) ? given : randomUUID();
}

/**
 * Metrics (Prometheus, one registry per app) and the one log line per request.
 * `instrument` wraps the store so every operation's latency is measured; `plugin` adds
 * the hooks and GET /metrics. No label or log field ever holds a body, secret or value.
 */
export function observability(inner: Store, metricsToken: string | undefined) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'attrd_' });
  const requests = new FastCounter(
    'attrd_http_requests_total',
    'HTTP requests by route, method, status, TPNS cmd and retCode',
    ['route', 'method', 'status', 'cmd', 'retCode'],
    registry,
  );
  const latency = new FastHistogram(
    'attrd_http_request_duration_seconds',
    'HTTP request latency by route and method',
    ['route', 'method'],
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registry,
  );
  const storeLatency = new FastHistogram(
    'attrd_store_operation_duration_seconds',
    'Store operation latency by operation and outcome',
    ['op', 'outcome'],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registry,
  );
  const batches = new Histogram({
    name: 'attrd_store_write_batch_size',
    help: 'Writes committed together in one store transaction',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [registry],
  });
  inner.onWriteBatch?.((size) => batches.observe(size));
  if (inner.stats) {
    const stats = inner.stats.bind(inner);
    new Gauge({
      name: 'attrd_store_pool_connections',
      help: 'Store connection pool: total, idle and waiting clients',
      labelNames: ['state'] as const,
      registers: [registry],
      collect() {
        const pool = stats().pool;
        if (!pool) return;
        this.set({ state: 'total' }, pool.total);
        this.set({ state: 'idle' }, pool.idle);
        this.set({ state: 'waiting' }, pool.waiting);
      },
    });
  }

  const wrappers = new Map<string, { fn: (...args: unknown[]) => unknown; wrapper: unknown }>();
  const secondsSince = (start: number) => (performance.now() - start) / 1000;
  const wrap = (op: string, fn: (...args: unknown[]) => unknown) => {
    const ok = storeLatency.child(op, 'ok');
    const failed = storeLatency.child(op, 'error');
    return (...args: unknown[]) => {
      const start = performance.now();
      let result: unknown;
      try {
        result = fn.apply(inner, args);
      } catch (error) {
        failed.observe(secondsSince(start));
        throw error;
      }
      if (!(result instanceof Promise)) {
        ok.observe(secondsSince(start));
        return result;
      }
      return result.then(
        (v) => {
          ok.observe(secondsSince(start));
          return v;
        },
        (error) => {
          failed.observe(secondsSince(start));
          throw error;
        },
      );
    };
  };
  const store = new Proxy(inner, {
    get(target, prop) {
      // the store itself as `this`: getters and private fields work as without the proxy
      const value = Reflect.get(target, prop);
      if (
        typeof value !== 'function' ||
        typeof prop !== 'string' ||
        prop === 'stats' ||
        prop === 'onWriteBatch'
      )
        return value;
      const cached = wrappers.get(prop);
      if (cached && cached.fn === value) return cached.wrapper;
      const wrapper = wrap(prop, value as (...args: unknown[]) => unknown);
      wrappers.set(prop, { fn: value as (...args: unknown[]) => unknown, wrapper });
      return wrapper;
    },
  });

  /** Counts an answered request, times it, and writes its log line when `info` is on. */
  const finished: RequestFinished = (log, { route, method, status, cmd, retCode, elapsedMs, remote }) => {
    requests
      .child(
        route,
        method,
        String(status),
        cmd === undefined ? '' : String(cmd),
        retCode === undefined ? '' : String(retCode),
      )
      .inc();
    latency.child(route, method).observe(elapsedMs / 1000);
    if (!logsInfo(log)) return; // skip building the line
    log.info(
      {
        method,
        route,
        status,
        ...(cmd === undefined ? {} : { cmd }),
        ...(retCode === undefined ? {} : { retCode }),
        ms: Math.round(elapsedMs * 10) / 10,
        remote: remote(),
      },
      'request',
    );
  };

  const expected = metricsToken === undefined ? undefined : Buffer.from(`Bearer ${metricsToken}`);

  async function plugin(app: FastifyInstance): Promise<void> {
    // Callback hooks, not async ones: they run on every request, and cost less this way.
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      const tpns = outcomes.get(request);
      finished(request.log, {
        route: request.routeOptions.url ?? 'unmatched',
        method: request.method,
        status: reply.statusCode,
        cmd: tpns?.cmd,
        retCode: tpns?.retCode,
        elapsedMs: reply.elapsedTime,
        remote: () => request.ip,
      });
      done();
    });

    app.get('/metrics', async (request, reply) => {
      if (expected) {
        const given = Buffer.from(request.headers.authorization ?? '');
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return reply
            .code(401)
            .header('www-authenticate', 'Bearer')
            .send({
              error: {
                code: 'unauthorized',
                message: 'GET /metrics needs Authorization: Bearer <ATTRD_METRICS_TOKEN>',
              },
            });
        }
      }
      return reply.type(registry.contentType).send(await registry.metrics());
    });
  }

  // Hooks apply to every route, not only this plugin's (what fastify-plugin would do).
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  return { store, plugin, registry, finished };
}
