import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkBearer } from '../auth/admin-token.js';
import { generateAccessId, generateSecretKey } from '../auth/app-secret.js';
import {
  appView,
  auditView,
  checkAppChanges,
  checkDescription,
  checkNewApp,
  checkNewDefinition,
  definitionView,
  parseAccessId,
} from '../domain/admin.js';
import { type AdminErrorCode, type AdminFailure, adminErrorCodes, adminFailure } from '../domain/errors.js';
import { isValidToken, tokenRule } from '../domain/limits.js';
import type { Store } from '../store/store.js';
import type { AdminGuard } from './admin-guard.js';
import type { Clock } from './deps.js';

export interface AdminRouteOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly region: string;
  readonly adminTokenHash: string;
  readonly guard: AdminGuard;
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

  const { guard } = options;

  app.addHook('onRequest', async (request, reply) => {
    const status = guard.status(request.ip);
    if (status.locked) {
      reply.header('retry-after', String(status.retryAfterSeconds));
      return fail(
        reply,
        'too_many_attempts',
        `too many bad admin tokens from this address; try again in ${status.retryAfterSeconds} s`,
      );
    }
    if (!checkBearer(request.headers.authorization, options.adminTokenHash)) {
      const delayMs = guard.fail(request.ip);
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      reply.header('www-authenticate', 'Bearer realm="attrd-admin"');
      return fail(
        reply,
        'unauthorized',
        'a valid admin token is required: Authorization: Bearer <ATTRD_ADMIN_TOKEN>',
      );
    }
    guard.succeed(request.ip);
  });

  /** Records a successful change in the audit log. */
  const audit = (
    request: FastifyRequest,
    action: string,
    accessId: number | null,
    detail: Record<string, unknown> = {},
  ) => store.appendAudit({ at: clock.now(), actor: `admin-api ${request.ip}`, action, accessId, detail });

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
        rateLimitPerSecond: checked.value.rateLimitPerSecond,
      };
      if (await store.createApp(created)) {
        await audit(request, 'app.created', created.accessId, { name: created.name, region: created.region });
        return reply.code(201).send(appView(created, true));
      }
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
    await audit(request, 'app.secret_rotated', found.accessId);
    return { secretKey };
  });

  app.patch<{ Params: AppParams }>('/apps/:accessId', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    const checked = checkAppChanges(request.body);
    if (!checked.ok) return sendAdminError(reply, checked.failure);
    const updated = await store.updateApp(found.accessId, checked.value);
    if (!updated) return fail(reply, 'app_not_found', `no app has accessId ${found.accessId}`);
    await audit(request, 'app.updated', found.accessId, { ...checked.value });
    return appView(updated, true);
  });

  app.delete<{ Params: AppParams }>('/apps/:accessId', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    if (await store.deleteApp(found.accessId))
      await audit(request, 'app.deleted', found.accessId, { name: found.name });
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
    await audit(request, 'attribute.created', found.accessId, { name: created.name });
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
    await audit(request, 'attribute.updated', found.accessId, { name: updated.name });
    return definitionView(updated);
  });

  app.delete<{ Params: AttributeParams }>('/apps/:accessId/attributes/:name', async (request, reply) => {
    const found = await loadApp(reply, request.params.accessId);
    if (!found) return reply;
    if (!(await store.deleteDefinition(found.accessId, request.params.name))) {
      return noDefinition(reply, found.accessId, request.params.name);
    }
    await audit(request, 'attribute.deleted', found.accessId, { name: request.params.name });
    return reply.code(204).send();
  });

  app.get<{ Querystring: { limit?: string; before?: string } }>('/audit', async (request, reply) => {
    const limit = request.query.limit === undefined ? 100 : Number(request.query.limit);
    const before = request.query.before === undefined ? undefined : Number(request.query.before);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return fail(reply, 'invalid_request', 'limit must be an integer from 1 to 1000');
    }
    if (before !== undefined && (!Number.isInteger(before) || before < 1)) {
      return fail(reply, 'invalid_request', 'before must be a positive integer entry id');
    }
    const entries = await store.listAudit(limit, before);
    const last = entries.at(-1);
    return {
      entries: entries.map(auditView),
      ...(entries.length === limit && last ? { nextBefore: last.id } : {}),
    };
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
