import type { FastifyInstance } from 'fastify';
import { checkDescription, checkNewDefinition } from '../domain/admin.js';
import { definitionNameProblem } from '../domain/limits.js';
import {
  appPage,
  deleteAttributePage,
  editDescriptionPage,
  SORT_KEYS,
  type Sorting,
  type SortKey,
} from './attribute-views.js';
import { BASE, sentence } from './layout.js';
import type { AppParams, ConsoleContext, Form } from './routes.js';
import { messagePage } from './views.js';

type ListQuery = { sort?: string; dir?: string; q?: string };
type NameQuery = { name?: string };

function sortingOf(query: ListQuery): Sorting {
  const key = (SORT_KEYS as readonly string[]).includes(query.sort ?? '') ? (query.sort as SortKey) : 'name';
  return { key, dir: query.dir === 'desc' ? 'desc' : 'asc' };
}

/** User Attribute Management: the app page with its definitions, and their edits. */
export async function attributeRoutes(app: FastifyInstance, context: ConsoleContext): Promise<void> {
  const { store, clock, send } = context;
  const appUrl = (accessId: number) => `${BASE}/apps/${accessId}`;

  app.get<{ Params: AppParams; Querystring: ListQuery }>('/apps/:accessId', async (request, reply) => {
    const found = await context.loadApp(request, reply);
    if (!found) return reply;
    const definitions = (await store.listDefinitions(found.accessId)) ?? [];
    return send(
      reply,
      200,
      appPage({
        page: context.page(request, found.name),
        app: found,
        definitions,
        sorting: sortingOf(request.query),
        filter: request.query.q ?? '',
      }),
    );
  });

  app.post<{ Params: AppParams }>('/apps/:accessId/attributes', async (request, reply) => {
    const found = await context.loadApp(request, reply);
    if (!found) return reply;
    const name = (request.body as Form).name ?? '';
    const description = (request.body as Form).description ?? '';
    const render = async (status: number, errors: { nameError?: string; descriptionError?: string }) =>
      send(
        reply,
        status,
        appPage({
          page: context.page(request, found.name),
          app: found,
          definitions: (await store.listDefinitions(found.accessId)) ?? [],
          sorting: { key: 'name', dir: 'asc' },
          filter: '',
          form: { name, description, ...errors },
        }),
      );
    const checked = checkNewDefinition({ name, description });
    if (!checked.ok) {
      const problem = definitionNameProblem(name);
      return render(
        400,
        problem
          ? { nameError: `${sentence(problem)} Choose another name.` }
          : { descriptionError: sentence(checked.failure.message) },
      );
    }
    const created = await store.createDefinition(
      found.accessId,
      name,
      checked.value.description,
      clock.now(),
    );
    if (created === 'no-app') return context.redirect(request, reply, `${BASE}/apps`);
    if (created === 'exists') {
      return render(409, {
        nameError: `This app already has an attribute named ${name}. Choose another name, or edit the existing one in the table.`,
      });
    }
    await context.audit(request, 'attribute.created', found.accessId, { name });
    return context.redirect(request, reply, `${appUrl(found.accessId)}#attributes`, {
      kind: 'ok',
      message: `Attribute ${name} added. Devices can set it now.`,
    });
  });

  /** The definition named in the query or form, or a 404 page already sent. */
  async function loadDefinition(
    request: Parameters<ConsoleContext['loadApp']>[0],
    reply: Parameters<ConsoleContext['loadApp']>[1],
    name: string | undefined,
  ) {
    const found = await context.loadApp(request, reply);
    if (!found) return undefined;
    const definition = name === undefined ? undefined : await store.getDefinition(found.accessId, name);
    if (!definition) {
      send(
        reply,
        404,
        messagePage(
          context.page(request, 'No such attribute'),
          'No such attribute',
          `${found.name} has no attribute named ${name ?? '(none given)'}. It may have been deleted.`,
          { href: `${appUrl(found.accessId)}#attributes`, label: `Back to ${found.name}` },
        ),
      );
      return undefined;
    }
    return { app: found, definition };
  }

  app.get<{ Params: AppParams; Querystring: NameQuery }>(
    '/apps/:accessId/attributes/edit',
    async (request, reply) => {
      const loaded = await loadDefinition(request, reply, request.query.name);
      if (!loaded) return reply;
      return send(
        reply,
        200,
        editDescriptionPage(
          context.page(request, `Edit ${loaded.definition.name}`),
          loaded.app,
          loaded.definition,
        ),
      );
    },
  );

  app.post<{ Params: AppParams }>('/apps/:accessId/attributes/edit', async (request, reply) => {
    const form = request.body as Form;
    const loaded = await loadDefinition(request, reply, form.name);
    if (!loaded) return reply;
    const description = form.description ?? '';
    const checked = checkDescription({ description });
    if (!checked.ok) {
      return send(
        reply,
        400,
        editDescriptionPage(
          context.page(request, `Edit ${loaded.definition.name}`),
          loaded.app,
          loaded.definition,
          {
            description,
            error: `${sentence(checked.failure.message)} Shorten it or remove the special characters.`,
          },
        ),
      );
    }
    const updated = await store.describeDefinition(
      loaded.app.accessId,
      loaded.definition.name,
      checked.value,
      clock.now(),
    );
    if (!updated) return context.redirect(request, reply, appUrl(loaded.app.accessId));
    await context.audit(request, 'attribute.updated', loaded.app.accessId, { name: updated.name });
    return context.redirect(request, reply, `${appUrl(loaded.app.accessId)}#attributes`, {
      kind: 'ok',
      message: `Description of ${updated.name} saved.`,
    });
  });

  app.get<{ Params: AppParams; Querystring: NameQuery }>(
    '/apps/:accessId/attributes/delete',
    async (request, reply) => {
      const loaded = await loadDefinition(request, reply, request.query.name);
      if (!loaded) return reply;
      return send(
        reply,
        200,
        deleteAttributePage(
          context.page(request, `Delete ${loaded.definition.name}`),
          loaded.app,
          loaded.definition,
        ),
      );
    },
  );

  app.post<{ Params: AppParams }>('/apps/:accessId/attributes/delete', async (request, reply) => {
    const loaded = await loadDefinition(request, reply, (request.body as Form).name);
    if (!loaded) return reply;
    const { app: found, definition } = loaded;
    if (await store.deleteDefinition(found.accessId, definition.name)) {
      await context.audit(request, 'attribute.deleted', found.accessId, {
        name: definition.name,
        deviceCount: definition.deviceCount,
      });
    }
    return context.redirect(request, reply, `${appUrl(found.accessId)}#attributes`, {
      kind: 'ok',
      message: `Attribute ${definition.name} deleted; ${definition.deviceCount} device${definition.deviceCount === 1 ? '' : 's'} lost ${definition.deviceCount === 1 ? 'its' : 'their'} value.`,
    });
  });
}
