import type { FastifyInstance } from 'fastify';
import { generateAccessId, generateSecretKey } from '../auth/app-secret.js';
import { checkNewApp } from '../domain/admin.js';
import { BASE } from './layout.js';
import type { AppParams, ConsoleContext, Form } from './routes.js';
import { appsPage, deleteAppPage, rotateSecretPage } from './views.js';

/** The apps list, app creation, secret rotation and app deletion. */
export async function appRoutes(
  app: FastifyInstance,
  context: ConsoleContext,
  region: string,
): Promise<void> {
  const { store, clock, send } = context;

  app.get('/apps', async (request, reply) =>
    send(reply, 200, appsPage({ page: context.page(request, 'Apps'), apps: await store.listApps(), region })),
  );

  app.post('/apps', async (request, reply) => {
    const name = (request.body as Form).name ?? '';
    const checked = checkNewApp({ name }, region);
    if (!checked.ok) {
      return send(
        reply,
        400,
        appsPage({
          page: context.page(request, 'Apps'),
          apps: await store.listApps(),
          region,
          form: { name, error: nameMessage(checked.failure.message) },
        }),
      );
    }
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
        await context.audit(request, 'app.created', created.accessId, {
          name: created.name,
          region: created.region,
        });
        return context.redirect(request, reply, `${BASE}/apps/${created.accessId}`, {
          kind: 'ok',
          message: `App ${created.name} created. Next, add the attributes its devices may set.`,
          credentials: { accessId: created.accessId, secretKey: created.secretKey },
        });
      }
    }
    throw new Error('could not find a free accessId');
  });

  app.get<{ Params: AppParams }>('/apps/:accessId/secret', async (request, reply) => {
    const found = await context.loadApp(request, reply);
    return (
      found &&
      send(reply, 200, rotateSecretPage(context.page(request, `Rotate SecretKey · ${found.name}`), found))
    );
  });

  app.post<{ Params: AppParams }>('/apps/:accessId/secret', async (request, reply) => {
    const found = await context.loadApp(request, reply);
    if (!found) return reply;
    const secretKey = generateSecretKey();
    if (!(await store.setSecret(found.accessId, secretKey)))
      return context.redirect(request, reply, `${BASE}/apps`);
    await context.audit(request, 'app.secret_rotated', found.accessId);
    return context.redirect(request, reply, `${BASE}/apps/${found.accessId}`, {
      kind: 'ok',
      message: 'SecretKey rotated. The old SecretKey no longer works; give the new one to your servers.',
      credentials: { accessId: found.accessId, secretKey },
    });
  });

  app.get<{ Params: AppParams }>('/apps/:accessId/delete', async (request, reply) => {
    const found = await context.loadApp(request, reply);
    if (!found) return reply;
    const count = (await store.listDefinitions(found.accessId))?.length ?? 0;
    return send(reply, 200, deleteAppPage(context.page(request, `Delete · ${found.name}`), found, count));
  });

  app.post<{ Params: AppParams }>('/apps/:accessId/delete', async (request, reply) => {
    const found = await context.loadApp(request, reply);
    if (!found) return reply;
    if ((request.body as Form).confirmName !== found.name) {
      const count = (await store.listDefinitions(found.accessId))?.length ?? 0;
      return send(
        reply,
        400,
        deleteAppPage(
          context.page(request, `Delete · ${found.name}`),
          found,
          count,
          `That is not the app name, so nothing was deleted. Type ${found.name} exactly as shown.`,
        ),
      );
    }
    if (await store.deleteApp(found.accessId))
      await context.audit(request, 'app.deleted', found.accessId, { name: found.name });
    return context.redirect(request, reply, `${BASE}/apps`, {
      kind: 'ok',
      message: `App ${found.name} deleted.`,
    });
  });
}

/** An app name problem in the console's words. */
function nameMessage(message: string): string {
  const text = message.replace(/^name /, 'The name ');
  return text.charAt(0).toUpperCase() + text.slice(1) + '.';
}
