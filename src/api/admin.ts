import type { FastifyInstance, FastifyReply } from 'fastify';
import { checkBearer } from '../auth/admin-token.js';
import { generateAccessId, generateSecretKey } from '../auth/app-secret.js';
import {
  appView,
  checkDescription,
  checkNewApp,
  checkNewDefinition,
  definitionView,
  parseAccessId,
} from '../domain/admin.js';
import { type AdminErrorCode, type AdminFailure, adminErrorCodes, adminFailure } from '../domain/errors.js';
import { isValidToken, tokenRule } from '../domain/limits.js';
import type { Store } from '../store/store.js';
import type { Clock } from './deps.js';

export interface AdminRouteOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly region: string;
  readonly adminTokenHash: string;
}

export function sendAdminError(reply: FastifyReply, failure: AdminFailure): FastifyReply {
  return reply.code(adminErrorCodes[failure.code].status).send({ error: failure });
}

const fail = (reply: FastifyReply, code: AdminErrorCode, message: string) =>
  sendAdminError(reply, adminFailure(code, message));

type AppParams = { accessId: string };
type AttributeParams = { accessId: string; name: string };
type TokenParams = { accessId: string; token: string };

/** The admin API of SPEC §4 under /admin/v1, behind the admin token. */
export async function adminRoutes(app: FastifyInstance, options: AdminRouteOptions): Promise<void> {
  const { store, clock } = options;

  app.addHook('onRequest', async (request, reply) => {
    if (!checkBearer(request.headers.authorization, options.adminTokenHash)) {
      reply.header('www-authenticate', 'Bearer realm="attrd-admin"');
      return fail(
        reply,
        'unauthorized',
        'a valid admin token is required: Authorization: Bearer <ATTRD_ADMIN_TOKEN>',
      );
    }
  });

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error.statusCode !== undefined && error.statusCode < 500) {
      const code =
        error.code?.startsWith('FST_ERR_CTP') || error instanceof SyntaxError
          ? 'invalid_json'
          : 'invalid_request';
      return fail(reply, code, `the request could not be read: ${error.message}`);
    }
    request.log.error({ err: error }, 'admin request failed');
    return fail(reply, 'store_unavailable', 'the store failed; nothing was changed, retry later');
  });

  app.setNotFoundHandler((request, reply) =>
    fail(reply, 'not_found', `no admin route ${request.method} ${request.url.split('?')[0]}`),
  );

  /** Resolves the path's app or answers 404. */
  async function loadApp(reply: FastifyReply, raw: string) {
    const accessId = parseAccessId(raw);
    const found = accessId === undefined ? undefined : await store.getApp(accessId);
    if (!found) fail(reply, 'app_not_found', `no app has accessId ${JSON.stringify(raw)}`);
    return found;
  }

  app.post('/apps', async (request, reply) => {
    const checked = checkNewApp(request.body, options.region);
    if (!checked.ok) return sendAdminError(reply, checked.failure);
    for (let attempt = 0; attempt < 20; attempt++) {
      const created = {
        accessId: generateAccessId(),
        secretKey: generateSecretKey(),
        name: checked.value.name,
        region: checked.value.region,
        createdAt: clock.now(),
      };
      if (await store.createApp(created)) return reply.code(201).send(appView(created, true));
    }
    throw new Error('could not find a free accessId');
  });

  app.get('/apps', async () => ({ apps: (await store.listApps()).map((a) => appView(a, false)) }));

  app.get<{ Params: AppParams }>('/apps/:accessId', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    return found && appView(found, true);
  });

  app.post<{ Params: AppParams }>('/apps/:accessId/secret', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    const secretKey = generateSecretKey();
    if (!(await store.setSecret(found.accessId, secretKey)))
      return fail(reply, 'app_not_found', `no app has accessId ${found.accessId}`);
    return { secretKey };
  });

  app.delete<{ Params: AppParams }>('/apps/:accessId', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    await store.deleteApp(found.accessId);
    return reply.code(204).send();
  });

  app.post<{ Params: AppParams }>('/apps/:accessId/attributes', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    const checked = checkNewDefinition(request.body);
    if (!checked.ok) return sendAdminError(reply, checked.failure);
    const created = await store.createDefinition(
      found.accessId,
      checked.value.name,
      checked.value.description,
      clock.now(),
    );
    if (created === 'no-app') return fail(reply, 'app_not_found', `no app has accessId ${found.accessId}`);
    if (created === 'exists') {
      return fail(
        reply,
        'attribute_exists',
        `app ${found.accessId} already defines an attribute named ${JSON.stringify(checked.value.name)}`,
      );
    }
    return reply.code(201).send(definitionView(created));
  });

  app.get<{ Params: AppParams }>('/apps/:accessId/attributes', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    const definitions = await store.listDefinitions(found.accessId);
    if (!definitions) return fail(reply, 'app_not_found', `no app has accessId ${found.accessId}`);
    return { attributes: definitions.map(definitionView) };
  });

  app.get<{ Params: AttributeParams }>('/apps/:accessId/attributes/:name', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    const definition = await store.getDefinition(found.accessId, request.params.name);
    if (!definition) return noDefinition(reply, found.accessId, request.params.name);
    return definitionView(definition);
  });

  app.patch<{ Params: AttributeParams }>('/apps/:accessId/attributes/:name', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    const checked = checkDescription(request.body);
    if (!checked.ok) return sendAdminError(reply, checked.failure);
    const updated = await store.describeDefinition(
      found.accessId,
      request.params.name,
      checked.value,
      clock.now(),
    );
    if (!updated) return noDefinition(reply, found.accessId, request.params.name);
    return definitionView(updated);
  });

  app.delete<{ Params: AttributeParams }>('/apps/:accessId/attributes/:name', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    if (!(await store.deleteDefinition(found.accessId, request.params.name))) {
      return noDefinition(reply, found.accessId, request.params.name);
    }
    return reply.code(204).send();
  });

  app.get<{ Params: TokenParams }>('/apps/:accessId/tokens/:token', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    const { token } = request.params;
    if (!isValidToken(token))
      return fail(
        reply,
        'invalid_request',
        `token ${JSON.stringify(token)} is not valid: a token is ${tokenRule}`,
      );
    return { token, attributes: await store.readAttributes(found.accessId, token) };
  });
}

function noDefinition(reply: FastifyReply, accessId: number, name: string) {
  return fail(reply, 'attribute_not_found', `app ${accessId} has no attribute named ${JSON.stringify(name)}`);
}
