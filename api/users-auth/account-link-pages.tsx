/**
 * The pages the links in account mail open (`<PUBLIC_URL>/verify-email?token=…`, `/reset-password?token=…`,
 * `/confirm-email-change?token=…`), so a link works with no front end of the integrator's: each shows a form that
 * posts the token, and the POST does what `POST /v1/auth/verify-email`, `POST /v1/auth/password-reset/confirm` and
 * `POST /v1/auth/email-change/confirm` do. Opening a link changes nothing: mail scanners open links, and reset and
 * change links work once.
 */
import { createHash } from 'node:crypto';
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import { DomainError } from '../../domain/errors.js';
import { verifyEmail } from '../../services/users-auth/email-verification.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { clientIp } from '../http/client-ip.js';
import { HtmlDocument } from '../http/html-document.js';
import { statusFor } from '../http/problem.js';
import { LinkToken } from './account-email-routes.js';
import { Password } from './auth-routes.js';
import { confirmEmailChange } from './confirm-email-change.js';
import { confirmPasswordReset } from './confirm-password-reset.js';

const STYLE = `
body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2230;margin:0}
main{max-width:28rem;margin:2rem auto;background:#fff;border-radius:12px;padding:1.5rem 2rem;box-shadow:0 2px 12px #0001}
h1{font-size:1.2rem}form{display:flex;flex-direction:column;gap:.6rem}input,button{font-size:1rem;padding:.4rem .6rem}
.error{color:#a31b1b}
`;

/** Its own style only, no script, posting its form here; never framed, never cached (the URL carries the token). */
const HEADERS = {
  'content-security-policy': [
    "default-src 'none'",
    `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; '),
  'cache-control': 'no-store',
};

function Page(props: { title: string; children: Child }) {
  return (
    <HtmlDocument title={`${props.title} · Sluice`} head={<style>{raw(STYLE)}</style>}>
      <main>
        <h1>{props.title}</h1>
        {props.children}
      </main>
    </HtmlDocument>
  );
}

const page = (c: Context<AppEnv>, status: 200 | 400 | 401 | 403 | 404 | 409 | 422 | 429, title: string, body: Child) =>
  c.html(<Page title={title}>{body}</Page>, status, HEADERS);

const Refused = (props: { message: string }) => (
  <p class="error" role="alert">
    {props.message}
  </p>
);

const BAD_LINK = 'This link is not valid: open the link from the mail as it is, or ask for a new one.';

/** The token of the query (GET) or the form (POST), or null when it cannot be one of ours. */
function tokenOf(value: unknown): string | null {
  const parsed = LinkToken.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** A refusal of the service, shown on the page with the status the JSON API would answer. */
function refusal(c: Context<AppEnv>, title: string, error: unknown) {
  if (!(error instanceof DomainError)) throw error;
  return page(c, statusFor(error.code) as 400, title, <Refused message={error.message} />);
}

function ResetForm(props: { token: string; error?: string }) {
  return (
    <form method="post" action="/reset-password">
      <input type="hidden" name="token" value={props.token} />
      <label for="new_password">New password (at least 12 characters)</label>
      <input id="new_password" name="new_password" type="password" autocomplete="new-password" required minlength={12} />
      {props.error && <Refused message={props.error} />}
      <button type="submit">Set the new password</button>
    </form>
  );
}

/** A form that only posts the token back, with a button saying what it does. */
const ConfirmForm = (props: { action: string; token: string; button: string; note?: string }) => (
  <form method="post" action={props.action}>
    <input type="hidden" name="token" value={props.token} />
    {props.note && <p>{props.note}</p>}
    <button type="submit">{props.button}</button>
  </form>
);

/**
 * One link's two routes: GET shows `form` for the link's token, changing nothing; POST runs `act` on the posted token
 * (and the rest of the form), a refusal of the service shown under `title`. A token that cannot be one of ours is a
 * 400 on either.
 */
function linkPage(
  app: OpenAPIHono<AppEnv>,
  path: string,
  title: string,
  form: (token: string) => Child,
  act: (c: Context<AppEnv>, token: string, fields: Record<string, unknown>) => Promise<Response>,
) {
  app.get(path, (c) => {
    const token = tokenOf(c.req.query('token'));
    return token ? page(c, 200, title, form(token)) : page(c, 400, title, <Refused message={BAD_LINK} />);
  });
  app.post(path, async (c) => {
    const fields = await c.req.parseBody();
    const token = tokenOf(fields.token);
    if (!token) return page(c, 400, title, <Refused message={BAD_LINK} />);
    try {
      return await act(c, token, fields);
    } catch (error) {
      return refusal(c, title, error);
    }
  });
}

export function accountLinkPages(app: OpenAPIHono<AppEnv>, deps: ApiDeps) {
  const confirmEmail = 'Confirm your email address';
  linkPage(
    app,
    '/verify-email',
    confirmEmail,
    (token) => <ConfirmForm action="/verify-email" token={token} button="Confirm my email address" />,
    async (c, token) => {
      const { userId } = await verifyEmail(deps.sql, deps.keys.emailLinks, token);
      deps.log.info({ user: userId }, 'email verified');
      return page(c, 200, 'Email address confirmed', <p>Your email address is confirmed. You can close this page.</p>);
    },
  );

  linkPage(
    app,
    '/confirm-email-change',
    'Confirm your new email address',
    (token) => (
      <ConfirmForm
        action="/confirm-email-change"
        token={token}
        button="Confirm my new email address"
        note="Confirming makes this the address of your account and signs every session out."
      />
    ),
    async (c, token) => {
      const { email } = await confirmEmailChange(deps, { token, ip: clientIp(c, deps.settings.trustProxy) });
      return page(
        c,
        200,
        'Email address changed',
        <p>
          Your account's email address is now {email}. Every session of your account is signed out: sign in with this address.
        </p>,
      );
    },
  );

  const newPassword = 'Choose a new password';
  linkPage(
    app,
    '/reset-password',
    newPassword,
    (token) => <ResetForm token={token} />,
    async (c, token, fields) => {
      const password = Password.safeParse(fields.new_password);
      if (!password.success) {
        const error = `The new password ${password.error.issues[0]?.message ?? 'is not valid'}.`;
        return page(c, 400, newPassword, <ResetForm token={token} error={error} />);
      }
      await confirmPasswordReset(deps, { token, newPassword: password.data, ip: clientIp(c, deps.settings.trustProxy) });
      return page(
        c,
        200,
        'Password changed',
        <p>
          Your password is changed. Every session of your account is signed out, every API key revoked and its Telegram account
          unlinked: sign in with the new password, create new keys and link Telegram again. Two-factor authentication, if it is
          on, stays on.
        </p>,
      );
    },
  );
}
