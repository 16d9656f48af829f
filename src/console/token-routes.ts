import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isValidToken, tokenRule } from '../domain/limits.js';
import type { App } from '../domain/model.js';
import { parseDeviceRequest } from '../domain/request.js';
import { appPage } from './attribute-views.js';
import { query } from './html.js';
import { BASE, sentence } from './layout.js';
import type { AppParams, ConsoleContext, Form } from './routes.js';
import { clearTokenPage, tokenPage } from './token-views.js';

/**
 * Token lookup: one token's attributes, edited through the same rules as the device API
 * (parseDeviceRequest for the limits, the store's planWrite for definitions and the
 * per-token limit).
 */
export async function tokenRoutes(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { store, send } = context;
  const tokenUrl = (found: App, token: string) => `${BASE}/apps/${found.accessId}/tokens${query({ token })}`;

  /** The app and a valid token, or an answer already sent. */
  async function load(
    request: FastifyRequest<{ Params: AppParams }>,
    reply: FastifyReply,
    token: string | undefined,
  ): Promise<{ found: App; token: string } | undefined> {
    const found = await context.loadApp(request, reply);
    if (!found) return undefined;
    if (token === undefined || !isValidToken(token)) {
      send(
        reply,
        400,
        appPage({
          page: context.page(request, found.name),
          app: found,
          definitions: (await store.listDefinitions(found.accessId)) ?? [],
          sorting: { key: 'name', dir: 'asc' },
          filter: '',
          token: token ?? '',
          tokenError: `That is not a valid token: a token is ${tokenRule}. Paste it again without spaces.`,
        }),
      );
      return undefined;
    }
    return { found, token };
  }

  async function renderToken(
    request: FastifyRequest<{ Params: AppParams }>,
    reply: FastifyReply,
    found: App,
    token: string,
    status = 200,
    error?: { name: string; message: string; value: string },
  ) {
    return send(
      reply,
      status,
      tokenPage({
        page: context.page(request, `Token ${token}`),
        app: found,
        token,
        attributes: await store.readAttributes(found.accessId, token),
        definitions: (await store.listDefinitions(found.accessId)) ?? [],
        error,
      }),
    );
  }

  app.get<{ Params: AppParams; Querystring: { token?: string } }>(
    '/apps/:accessId/tokens',
    async (request, reply) => {
      const loaded = await load(request, reply, request.query.token?.trim());
      return loaded && renderToken(request, reply, loaded.found, loaded.token);
    },
  );

  app.post<{ Params: AppParams }>('/apps/:accessId/tokens/set', async (request, reply) => {
    const form = request.body as Form;
    const loaded = await load(request, reply, form.token);
    if (!loaded) return reply;
    const { found, token } = loaded;
    const name = form.name ?? '';
    const value = form.value ?? '';
    const refuse = (message: string) =>
      renderToken(request, reply, found, token, 400, { name, value, message });
    const parsed = parseDeviceRequest(
      { cmd: 2, token, attributeInfo: { attributeMap: { [name]: value } } },
      found.accessId,
    );
    if (!parsed.ok) return refuse(`${sentence(parsed.failure.errMsg)} Nothing was changed.`);
    if (parsed.value.cmd !== 2) throw new Error('unexpected command');
    const outcome = await store.writeAttributes(found.accessId, parsed.value);
    if (!outcome.ok) return refuse(`${sentence(outcome.failure.errMsg)} Nothing was changed.`);
    if (outcome.invalidAttribute.length > 0) {
      return refuse(
        `${name} is not defined for this app, so it was not set. Add it under User Attribute Management first.`,
      );
    }
    await context.audit(request, 'token.attribute_set', found.accessId, { token, name });
    return context.redirect(request, reply, tokenUrl(found, token), {
      kind: 'ok',
      message: `${name} set to ${value}.`,
    });
  });

  app.post<{ Params: AppParams }>('/apps/:accessId/tokens/delete', async (request, reply) => {
    const form = request.body as Form;
    const loaded = await load(request, reply, form.token);
    if (!loaded) return reply;
    const { found, token } = loaded;
    const name = form.name ?? '';
    const parsed = parseDeviceRequest(
      { cmd: 3, token, attributeInfo: { attributeMap: { [name]: '' } } },
      found.accessId,
    );
    if (!parsed.ok)
      return renderToken(request, reply, found, token, 400, {
        name,
        value: '',
        message: sentence(parsed.failure.errMsg),
      });
    if (parsed.value.cmd !== 3) throw new Error('unexpected command');
    const outcome = await store.writeAttributes(found.accessId, parsed.value);
    if (!outcome.ok)
      return renderToken(request, reply, found, token, 400, {
        name,
        value: '',
        message: sentence(outcome.failure.errMsg),
      });
    await context.audit(request, 'token.attribute_deleted', found.accessId, { token, name });
    return context.redirect(request, reply, tokenUrl(found, token), {
      kind: 'ok',
      message: `${name} deleted from this token.`,
    });
  });

  app.get<{ Params: AppParams; Querystring: { token?: string } }>(
    '/apps/:accessId/tokens/clear',
    async (request, reply) => {
      const loaded = await load(request, reply, request.query.token);
      if (!loaded) return reply;
      const count = Object.keys(await store.readAttributes(loaded.found.accessId, loaded.token)).length;
      return send(
        reply,
        200,
        clearTokenPage(context.page(request, 'Clear token'), loaded.found, loaded.token, count),
      );
    },
  );

  app.post<{ Params: AppParams }>('/apps/:accessId/tokens/clear', async (request, reply) => {
    const loaded = await load(request, reply, (request.body as Form).token);
    if (!loaded) return reply;
    const { found, token } = loaded;
    const outcome = await store.writeAttributes(found.accessId, { cmd: 4, token });
    if (!outcome.ok)
      return renderToken(request, reply, found, token, 400, {
        name: '',
        value: '',
        message: sentence(outcome.failure.errMsg),
      });
    await context.audit(request, 'token.cleared', found.accessId, { token });
    return context.redirect(request, reply, tokenUrl(found, token), {
      kind: 'ok',
      message: 'All attributes of this token were removed.',
    });
  });
}
