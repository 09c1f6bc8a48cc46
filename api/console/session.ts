/**
 * Signed-in operators: the session cookie (HttpOnly, SameSite=Strict, Secure over TLS) is looked up on every request
 * and the user read from the directory the API's guards use, so a role change, a disabled or removed user and a new
 * IP allow-list apply at once, as they do to tokens and API keys; a password change ends the user's sessions. Only operators and admins sign in.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { endSession, sessionByToken } from '../../services/console/client.js';
import { OPERATOR_ROLES, type Role } from '../../services/users-auth/client.js';
import { clientIp } from '../http/client-ip.js';
import { principalRefusal } from '../http/guards.js';
import type { ApiDeps } from '../context.js';
import { CONSOLE_BASE, type ConsoleEnv } from './env.js';
import { fromHtmx } from './htmx.js';
import { errorPage } from './render.js';

export const SESSION_COOKIE = 'sluice_console';

/** Whether the browser reached us over TLS (directly, or through a proxy we trust to say so). */
export function overTls(c: Context, deps: ApiDeps): boolean {
  if (new URL(c.req.url).protocol === 'https:') return true;
  return deps.settings.trustProxy && c.req.header('x-forwarded-proto') === 'https';
}

export function setConsoleCookie(c: Context, deps: ApiDeps, name: string, value: string, maxAgeSeconds: number) {
  setCookie(c, name, value, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: overTls(c, deps),
    path: CONSOLE_BASE,
    maxAge: maxAgeSeconds,
  });
}

export function clearConsoleCookie(c: Context, name: string) {
  deleteCookie(c, name, { path: CONSOLE_BASE });
}

/** Sets the operator and the CSRF token, or sends the browser to sign in (a GET) or refuses (anything else). */
export function signedIn(deps: ApiDeps): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const token = getCookie(c, SESSION_COOKIE);
    const session = token ? await sessionByToken(deps.sql, token) : null;
    const principal = session ? await deps.users.principal(session.userId) : null;
    // a disabled account's sessions end with it, as its tokens do, and so do those started before a password change
    const user = principal && session?.sessionVersion === principal.sessionVersion ? principal : null;
    if (token && session && (!user || user.disabled)) await endSession(deps.sql, token);
    if (!session || !user || user.disabled) {
      // htmx's refreshes (a queue, a settlement's progress) would follow a redirect and swap the sign-in page into the
      // page, or nothing; told by HX-Redirect, the browser goes to sign in, and comes back to the page, not the fragment
      const htmx = fromHtmx(c);
      const page = htmx ? c.req.header('hx-current-url') : undefined;
      const url = new URL(page && URL.canParse(page) ? page : c.req.url);
      const signIn = `${CONSOLE_BASE}/sign-in?next=${encodeURIComponent(url.pathname + url.search)}`;
      if (htmx) c.header('hx-redirect', signIn);
      else if (c.req.method === 'GET') return c.redirect(signIn, 303);
      return errorPage(c, 401, 'Your session has ended; sign in again.');
    }
    c.set('operator', { id: user.id, email: user.email, role: user.role });
    c.set('csrfToken', session.csrfToken);
    if (!OPERATOR_ROLES.includes(user.role)) return errorPage(c, 403, 'The console is for operators and admins.');
    // the API's rule for every request (the account is not disabled here: what is left is the allow-list)
    const refusal = principalRefusal(user, clientIp(c, deps.settings.trustProxy));
    if (refusal) return errorPage(c, 403, `${refusal.message}.`);
    await next();
  };
}

/** The page's role check: a user without the role gets the 403 page. */
export function requireRoles(roles: readonly Role[]): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    if (!roles.includes(c.get('operator').role)) return errorPage(c, 403, `This needs the ${roles.join(' or ')} role.`);
    await next();
  };
}
