/**
 * Signing in and out. The form posts email, password and (when the account has two-factor on) the TOTP code, checked
 * by users-auth's sign-in rule, the token endpoint's; only operators and admins get a session. Before sign-in there
 * is no session, so the form's CSRF token lives in a short-lived cookie of its own.
 */
import type { Context, Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { DomainError, ErrorCode, ThrottledError } from '../../domain/errors.js';
import { createSession, endSession, randomToken } from '../../services/console/client.js';
import { OPERATOR_ROLES, throttledSignIn } from '../../services/users-auth/client.js';
import { clientIp } from '../http/client-ip.js';
import { signInGuard } from '../http/sign-in-guard.js';
import type { ApiDeps } from '../context.js';
import { tokensMatch, refuseForgery } from './csrf.js';
import { CONSOLE_BASE, type ConsoleEnv } from './env.js';
import { parseInput, refusedFields } from './forms.js';
import { Layout } from './layout.js';
import { errorPage } from './render.js';
import { clearConsoleCookie, SESSION_COOKIE, setConsoleCookie } from './session.js';
import { Field } from './ui.js';

/** The form's fields as its labels name them, for saying which one was refused. */
const FIELD_NAMES: Record<string, string> = { email: 'Email', password: 'Password', totp: 'Authenticator code' };

const SIGN_IN_CSRF_COOKIE = 'sluice_console_sign_in';
const SIGN_IN_FORM_SECONDS = 3_600;

const SignInForm = z.object({
  email: z.string().trim().toLowerCase().min(3, 'must be an email address').max(254, 'must be an email address'),
  password: z.string().min(1, 'is required').max(256, 'is too long'),
  totp: z
    .string()
    .trim()
    .regex(/^(\d{6})?$/, 'must be 6 digits')
    .transform((v) => v || undefined),
  next: z.string().optional(),
});

/**
 * Only paths of the console itself: a sign-in link never sends anyone elsewhere. And only printable ASCII, as the
 * console's own links are (percent-encoded): a line break in a crafted link's `next` made the redirect's Location
 * header throw, a 500 after the sign-in had succeeded.
 */
const safeNext = (next: string | undefined) =>
  next && next.startsWith(`${CONSOLE_BASE}/`) && /^[\x21-\x7e]+$/.test(next) ? next : `${CONSOLE_BASE}/`;

function signInPage(
  c: Context,
  deps: ApiDeps,
  options: { next?: string; email?: string; error?: string; status?: 200 | 400 | 401 | 429 },
) {
  const csrf = randomToken();
  setConsoleCookie(c, deps, SIGN_IN_CSRF_COOKIE, csrf, SIGN_IN_FORM_SECONDS);
  return c.html(
    <Layout title="Sign in">
      {options.error && (
        <p class="error" role="alert">
          {options.error}
        </p>
      )}
      <form method="post" action={`${CONSOLE_BASE}/sign-in`} class="narrow">
        <input type="hidden" name="_csrf" value={csrf} />
        <input type="hidden" name="next" value={options.next ?? ''} />
        <Field name="email" label="Email" type="email" value={options.email} required autocomplete="username" />
        <Field name="password" label="Password" type="password" required autocomplete="current-password" />
        <Field name="totp" label="Authenticator code (when two-factor is on)" autocomplete="one-time-code" />
        <button type="submit">Sign in</button>
      </form>
    </Layout>,
    options.status ?? 200,
  );
}

export function signInRoutes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  router.get('/sign-in', (c) => signInPage(c, deps, { next: c.req.query('next') }));

  router.post('/sign-in', async (c) => {
    const body = await c.req.parseBody();
    if (!tokensMatch(getCookie(c, SIGN_IN_CSRF_COOKIE), body._csrf)) return refuseForgery(c);
    let form: z.infer<typeof SignInForm>;
    try {
      form = parseInput(SignInForm, body);
    } catch (error) {
      // a mistyped code or address: the form again, with what was typed and why, not the bare refusal page
      const issues = refusedFields(error);
      if (!issues) throw error;
      const typed = (field: string) => (typeof body[field] === 'string' ? (body[field] as string) : undefined);
      return signInPage(c, deps, {
        next: typed('next'),
        email: typed('email'),
        error: issues.map((i) => `${FIELD_NAMES[i.path] ?? i.path}: ${i.message}`).join('; '),
        status: 400,
      });
    }
    try {
      const user = await throttledSignIn(signInGuard(deps), {
        email: form.email,
        password: form.password,
        totp: form.totp,
        ip: clientIp(c, deps.settings.trustProxy),
        userAgent: c.req.header('user-agent'),
      });
      if (!OPERATOR_ROLES.includes(user.role)) return errorPage(c, 403, 'The console is for operators and admins.');
      const session = await createSession(deps.sql, user, deps.settings.console.sessionTtlSeconds);
      setConsoleCookie(c, deps, SESSION_COOKIE, session.token, deps.settings.console.sessionTtlSeconds);
      clearConsoleCookie(c, SIGN_IN_CSRF_COOKIE);
      deps.log.info({ operator: user.id }, 'signed in to the console');
      return c.redirect(safeNext(form.next), 303);
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === ErrorCode.IpNotAllowed) throw error;
      if (error instanceof ThrottledError) c.header('retry-after', String(error.retryAfterSeconds));
      return signInPage(c, deps, {
        next: form.next,
        email: form.email,
        error: error.message,
        status: error instanceof ThrottledError ? 429 : 401,
      });
    }
  });
}

/** Signing out is a form like any other: behind the session and its CSRF check (register it after them). */
export function signOutRoutes(router: Hono<ConsoleEnv>, deps: ApiDeps) {
  router.post('/sign-out', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    if (token) await endSession(deps.sql, token);
    clearConsoleCookie(c, SESSION_COOKIE);
    return c.redirect(`${CONSOLE_BASE}/sign-in`, 303);
  });
}
