import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AdminGuard } from '../api/admin-guard.js';
import type { Clock } from '../api/deps.js';
import { matchesAdminToken } from '../auth/admin-token.js';
import { parseAccessId } from '../domain/admin.js';
import type { App } from '../domain/model.js';
import type { Store } from '../store/store.js';
import { appRoutes } from './app-routes.js';
import { consoleCss, consoleJs } from './assets.js';
import { attributeRoutes } from './attribute-routes.js';
import { BASE, type PageOptions } from './layout.js';
import { isSameOrigin, SESSION_COOKIE, sessionCookie, setSecurityHeaders } from './security.js';
import { csrfMatches, type Flash, readCookie, type Session, SessionStore } from './sessions.js';
import { tokenRoutes } from './token-routes.js';
import { messagePage, signInPage } from './views.js';

export interface ConsoleOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly region: string;
  readonly adminTokenHash: string;
  /** The admin API's guard: bad tokens here count against the same address. */
  readonly guard: AdminGuard;
  readonly sessionSeconds: number;
}

export type Form = Readonly<Record<string, string | undefined>>;
export type AppParams = { accessId: string };

/** What a console handler needs besides the request: its session, audit and page helpers. */
export interface ConsoleContext {
  readonly store: Store;
  readonly clock: Clock;
  session(request: FastifyRequest): Session;
  /** Page options for a signed-in page, taking the flash to show. */
  page(request: FastifyRequest, title: string): PageOptions & { csrfToken: string };
  /** Redirects (303) with a message for the next page. */
  redirect(request: FastifyRequest, reply: FastifyReply, to: string, flash?: Flash): FastifyReply;
  audit(request: FastifyRequest, action: string, accessId: number | null, detail?: object): Promise<void>;
  /** The path's app, or a 404 page already sent. */
  loadApp(request: FastifyRequest<{ Params: AppParams }>, reply: FastifyReply): Promise<App | undefined>;
  send(reply: FastifyReply, status: number, page: string): FastifyReply;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The web console under /console (see docs/console.md). */
export async function consoleRoutes(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  const { store, clock, guard } = options;
  const sessions = new SessionStore(clock, options.sessionSeconds * 1000);
  const sessionOf = new WeakMap<FastifyRequest, Session>();

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_r, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  const send = (reply: FastifyReply, status: number, page: string) =>
    reply.code(status).type('text/html; charset=utf-8').send(page);

  app.addHook('onRequest', async (_request, reply) => setSecurityHeaders(reply));

  app.addHook('preHandler', async (request, reply) => {
    if (request.method === 'POST' && !isSameOrigin(request)) {
      return send(
        reply,
        403,
        messagePage(
          { title: 'Refused' },
          'Request refused',
          'This form was not sent from this console, so nothing was changed.',
          {
            href: `${BASE}/apps`,
            label: 'Go to the console',
          },
        ),
      );
    }
    if ((request.routeOptions.config as { public?: boolean }).public) return;
    const session = sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE));
    if (!session) {
      if (request.method !== 'POST') return reply.redirect(`${BASE}/sign-in`, 303);
      return send(
        reply,
        401,
        messagePage(
          { title: 'Signed out' },
          'Your session has ended',
          'Nothing was changed. Sign in again, then repeat the change.',
          {
            href: `${BASE}/sign-in`,
            label: 'Sign in',
          },
        ),
      );
    }
    if (request.method === 'POST' && !csrfMatches(session, (request.body as Form | undefined)?._csrf)) {
      return send(
        reply,
        403,
        messagePage(
          { title: 'Refused', csrfToken: session.csrfToken },
          'Request refused',
          'The form was missing its security token or it did not match your session, so nothing was changed. Go back, reload the page and try again.',
          { href: `${BASE}/apps`, label: 'Go to your apps' },
        ),
      );
    }
    sessionOf.set(request, session);
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const session = sessionOf.get(request);
    const page = { title: 'Error', csrfToken: session?.csrfToken };
    const next = session
      ? { href: `${BASE}/apps`, label: 'Go to your apps' }
      : { href: `${BASE}/sign-in`, label: 'Sign in' };
    if (error.statusCode !== undefined && error.statusCode < 500) {
      return send(
        reply,
        error.statusCode,
        messagePage(page, 'The request could not be read', `${error.message}. Nothing was changed.`, next),
      );
    }
    request.log.error({ err: error }, 'console request failed');
    return send(
      reply,
      500,
      messagePage(
        page,
        'Something failed',
        'The store could not complete the request, so nothing was changed. Try again in a moment.',
        next,
      ),
    );
  });

  app.setNotFoundHandler((request, reply) =>
    send(
      reply,
      404,
      messagePage(
        {
          title: 'Not found',
          csrfToken: sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE))?.csrfToken,
        },
        'Page not found',
        'There is no console page at this address.',
        { href: `${BASE}/apps`, label: 'Go to your apps' },
      ),
    ),
  );

  const context: ConsoleContext = {
    store,
    clock,
    send,
    session: (request) => sessionOf.get(request)!,
    page(request, title) {
      const session = sessionOf.get(request)!;
      const flash = session.flash;
      session.flash = undefined;
      return { title, csrfToken: session.csrfToken, flash };
    },
    redirect(request, reply, to, flash) {
      if (flash) sessionOf.get(request)!.flash = flash;
      return reply.redirect(to, 303);
    },
    audit: (request, action, accessId, detail = {}) =>
      store.appendAudit({
        at: clock.now(),
        actor: `console ${request.ip}`,
        action,
        accessId,
        detail: { ...detail },
      }),
    async loadApp(request, reply) {
      const accessId = parseAccessId(request.params.accessId);
      const found = accessId === undefined ? undefined : await store.getApp(accessId);
      if (!found) {
        send(
          reply,
          404,
          messagePage(
            context.page(request, 'No such app'),
            'No such app',
            `No app has the AccessID ${request.params.accessId}. It may have been deleted.`,
            {
              href: `${BASE}/apps`,
              label: 'Go to your apps',
            },
          ),
        );
      }
      return found;
    },
  };

  const asset = (type: string, body: string) => (_request: FastifyRequest, reply: FastifyReply) =>
    reply.type(type).header('cache-control', 'public, max-age=300').send(body);
  app.get('/assets/console.css', { config: { public: true } }, asset('text/css; charset=utf-8', consoleCss));
  app.get(
    '/assets/console.js',
    { config: { public: true } },
    asset('text/javascript; charset=utf-8', consoleJs),
  );

  app.get('/', { config: { public: true } }, async (request, reply) => {
    const signedIn = sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE)) !== undefined;
    return reply.redirect(signedIn ? `${BASE}/apps` : `${BASE}/sign-in`, 303);
  });

  app.get<{ Querystring: { signedOut?: string } }>(
    '/sign-in',
    { config: { public: true } },
    async (request, reply) => {
      if (sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE)))
        return reply.redirect(`${BASE}/apps`, 303);
      return send(reply, 200, signInPage(request.query.signedOut ? { status: 'You are signed out.' } : {}));
    },
  );

  app.post('/sign-in', { config: { public: true } }, async (request, reply) => {
    const status = guard.status(request.ip);
    if (status.locked) {
      reply.header('retry-after', String(status.retryAfterSeconds));
      const minutes = Math.ceil(status.retryAfterSeconds / 60);
      return send(
        reply,
        429,
        signInPage({
          error: `Too many wrong tokens came from your address, so sign-in is locked for ${minutes} more minute${minutes === 1 ? '' : 's'}. Wait, then try again with the right token.`,
        }),
      );
    }
    const token = (request.body as Form | undefined)?.token ?? '';
    if (!matchesAdminToken(token, options.adminTokenHash)) {
      const delayMs = guard.fail(request.ip);
      if (delayMs > 0) await sleep(delayMs);
      return send(
        reply,
        401,
        signInPage({
          error:
            'That is not the admin token. Check ATTRD_ADMIN_TOKEN (or the token printed on first start) and try again.',
        }),
      );
    }
    guard.succeed(request.ip);
    const session = sessions.create();
    await store.appendAudit({
      at: clock.now(),
      actor: `console ${request.ip}`,
      action: 'console.signed_in',
      accessId: null,
      detail: {},
    });
    reply.header('set-cookie', sessionCookie(request, session.id, options.sessionSeconds));
    return reply.redirect(`${BASE}/apps`, 303);
  });

  app.post('/sign-out', async (request, reply) => {
    const session = context.session(request);
    sessions.destroy(session.id);
    await context.audit(request, 'console.signed_out', null);
    reply.header('set-cookie', sessionCookie(request, '', 0));
    return reply.redirect(`${BASE}/sign-in?signedOut=1`, 303);
  });

  await appRoutes(app, context, options.region);
  await attributeRoutes(app, context);
  await tokenRoutes(app, context);
}
