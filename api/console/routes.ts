/**
 * The operator console under /ops: server-rendered pages over the same services as the API. Sign-in is open; every
 * other path needs a session, every POST its CSRF token, and every page its roles; no input may hold U+0000. Errors
 * become HTML pages.
 */
import { Hono } from 'hono';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { DomainError } from '../../domain/errors.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { ApiError, statusFor } from '../http/problem.js';
import { assetRoutes } from './assets.js';
import { checkCsrf } from './csrf.js';
import { CONSOLE_BASE, type ConsoleEnv } from './env.js';
import { refuseUnstorableText } from './unstorable-text.js';
import { CONSOLE_PAGES } from './pages/index.js';
import { errorPage } from './render.js';
import { requireRoles, signedIn } from './session.js';
import { signInRoutes, signOutRoutes } from './sign-in.js';
import { isMalformedForm } from '../http/malformed-form.js';
import { unavailableMessage, unavailableService } from '../http/unavailable-service.js';

/** Scripts and styles only from our own files (htmx), requests only to us, nothing from elsewhere, never framed. */
const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function consoleRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps) {
  const router = new Hono<ConsoleEnv>();
  router.use('*', async (c, next) => {
    await next();
    c.header('content-security-policy', CONTENT_SECURITY_POLICY);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'same-origin');
    if (c.res.headers.get('content-type')?.startsWith('text/html')) c.header('cache-control', 'no-store');
  });
  router.onError((error, c) => {
    if (error instanceof ApiError || error instanceof DomainError) {
      return errorPage(c, statusFor(error.code), error.message, error.issues);
    }
    if (isMalformedForm(error, c.req.header('content-type'))) return errorPage(c, 400, 'The form could not be read.');
    const unavailable = unavailableService(error);
    if (unavailable) {
      deps.log.warn({ err: (error as Error).message, method: c.req.method, path: c.req.path }, `${unavailable} unavailable`);
      return errorPage(c, 503, unavailableMessage(unavailable));
    }
    deps.log.error({ err: error, method: c.req.method, path: c.req.path }, 'console error');
    return errorPage(c, 500, 'An unexpected error occurred; it has been logged.');
  });

  router.use('*', refuseUnstorableText());
  assetRoutes(router);
  signInRoutes(router, deps);

  router.use('*', signedIn(deps), checkCsrf());
  signOutRoutes(router, deps);
  router.use('*', async (c, next) => {
    const role = c.get('operator').role;
    c.set(
      'nav',
      CONSOLE_PAGES.filter((p) => p.roles.includes(role)).map((p) => ({ path: p.path, title: p.title })),
    );
    await next();
  });
  for (const page of CONSOLE_PAGES) {
    const pageRouter = new Hono<ConsoleEnv>();
    pageRouter.use('*', requireRoles(page.roles));
    page.routes(pageRouter, deps);
    router.route(page.path, pageRouter);
  }
  router.all('*', (c) => errorPage(c, 404, `No console page at ${c.req.path}.`));

  // the console's front door, with or without the slash: its first page (which asks to sign in when needed)
  const home = `${CONSOLE_BASE}${CONSOLE_PAGES[0]!.path}`;
  app.get(CONSOLE_BASE, (c) => c.redirect(home, 303));
  app.get(`${CONSOLE_BASE}/`, (c) => c.redirect(home, 303));
  app.route(CONSOLE_BASE, router);
}
