import type { FastifyInstance } from 'fastify';
import type { Store } from '../store/store.js';

/** `/healthz`: the process answers. `/readyz`: the store answers too. */
export async function healthRoutes(app: FastifyInstance, options: { store: Store }): Promise<void> {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (request, reply) => {
    try {
      await options.store.ping();
      return { status: 'ready', store: options.store.kind };
    } catch (error) {
      request.log.warn({ err: error }, 'store not ready');
      return reply.code(503).send({ status: 'unavailable', store: options.store.kind });
    }
  });
}
