/**
 * Email verification (the link mailed at registration, resends, an operator's override), password reset by a mailed
 * link, and changing the password while signed in.
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { markEmailVerified, sendEmailVerification, verifyEmail } from '../../services/users-auth/email-verification.js';
import { changePassword } from '../../services/users-auth/password-change.js';
import { requestPasswordReset } from '../../services/users-auth/password-reset.js';
import { isTelegramPlaceholder } from '../../domain/users-auth/telegram-placeholder.js';
import { ErrorCode } from '../../domain/errors.js';
import { ApiError } from '../http/problem.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { clientIp } from '../http/client-ip.js';
import type { Guards } from '../http/guards.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { attemptSubjects, recordSecurityEvent } from '../../services/security/client.js';
import { confirmPasswordReset } from './confirm-password-reset.js';
import { emailVerificationDeps } from './account-mail-deps.js';
import { Email, Password } from './auth-routes.js';
import { TotpCode } from './owner-proof.js';
import { guardedRoute } from '../http/routes.js';
import { signInGuard } from '../http/sign-in-guard.js';

export const LinkToken = z
  .string()
  .min(10)
  .max(1024)
  .regex(/^[A-Za-z0-9_.-]+$/, 'must be the token from the link')
  .openapi({ example: 'eyJ1Ijoi….Zm9v' });
export const Accepted = z.object({ message: z.string() }).openapi('Accepted');
const RESET_ANSWER = 'if an account has this email, a reset link is on its way';

export function accountEmailRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const verification = emailVerificationDeps(deps);

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/verify-email',
      tags: ['auth'],
      summary: 'Verify an email address with the token of the link mailed at registration',
      request: jsonBody(z.object({ token: LinkToken })),
      responses: { 200: jsonResponse('Verified', z.object({ email_verified: z.literal(true) })), ...problems(400, 415) },
    }),
    async (c) => {
      const { userId } = await verifyEmail(deps.sql, deps.keys.emailLinks, c.req.valid('json').token);
      deps.log.info({ user: userId }, 'email verified');
      return c.json({ email_verified: true as const }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/me/email-verification',
      tags: ['account'],
      summary:
        'Mail the verification link again (at most once per EMAIL_VERIFICATION_RESEND_INTERVAL; not to the placeholder address of an account made from Telegram: 409)',
      responses: { 202: jsonResponse('Sent', Accepted), ...problems(401, 403, 409, 429) },
    }),
    async (c) => {
      const user = c.get('user');
      if (isTelegramPlaceholder(user.email)) {
        throw new ApiError(ErrorCode.Conflict, 'this account was made from Telegram: its placeholder address has no mailbox');
      }
      await sendEmailVerification(verification, user.id);
      return c.json({ message: 'a verification link is on its way' }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/password-reset',
      tags: ['auth'],
      summary: 'Ask for a password reset link; the answer is the same whether or not the email has an account',
      request: jsonBody(z.object({ email: Email })),
      responses: { 202: jsonResponse('Accepted', Accepted), ...problems(400, 415, 429) },
    }),
    async (c) => {
      const { email } = c.req.valid('json');
      // every request counts (each may mail a link), per email whether or not it has an account, and per IP
      const ip = clientIp(c, deps.settings.trustProxy);
      const { account, ip: address } = attemptSubjects(deps.security.throttlePolicies, 'password-reset', email, ip);
      await deps.security.throttle.consume([account, address]);
      // after the answer, so neither the answer nor its timing depends on whether the account exists
      setImmediate(() => {
        requestPasswordReset(
          { sql: deps.sql, key: deps.keys.emailLinks, temporal: deps.temporal, ttlMs: deps.settings.accounts.passwordResetTtlMs },
          email,
        ).catch((error: unknown) => deps.log.error({ err: error }, 'password reset request failed'));
      });
      return c.json({ message: RESET_ANSWER }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/password-reset/confirm',
      tags: ['auth'],
      summary:
        'Set a new password with the token of a reset link: it works once, signs every session out, revokes every API key and unlinks Telegram; two-factor stays on',
      request: jsonBody(z.object({ token: LinkToken, new_password: Password })),
      responses: {
        204: {
          description:
            'Password changed; every token, console session and API key of the user refused from now on, and its Telegram account unlinked',
        },
        ...problems(400, 415, 429),
      },
    }),
    async (c) => {
      const { token, new_password: newPassword } = c.req.valid('json');
      await confirmPasswordReset(deps, { token, newPassword, ip: clientIp(c, deps.settings.trustProxy) });
      return c.body(null, 204);
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'put',
      path: '/v1/me/password',
      tags: ['account'],
      summary: 'Change the password: the current one, and a TOTP code when two-factor is on; signs every session out',
      request: jsonBody(
        z.object({ current_password: z.string().min(1).max(256), new_password: Password, totp: TotpCode.optional() }),
      ),
      responses: {
        204: { description: 'Changed; every token and console session of the user refused from now on' },
        ...problems(400, 401, 403, 415, 429),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const ip = clientIp(c, deps.settings.trustProxy);
      await changePassword(signInGuard(deps), {
        email: user.email,
        password: body.current_password,
        newPassword: body.new_password,
        totp: body.totp,
        ip,
      });
      deps.users.userChanged(user.id); // its session version moved on: this process refuses the old tokens now
      await recordSecurityEvent(deps.sql, { kind: 'password_changed', userId: user.id, ip });
      deps.log.info({ user: user.id }, 'password changed');
      return c.body(null, 204);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/users/{id}/email-verified',
      tags: ['operations'],
      summary: "Mark a user's email verified (or not), whatever the mail: an operator's override",
      request: { params: z.object({ id: z.uuid() }), ...jsonBody(z.object({ verified: z.boolean() })) },
      responses: {
        200: jsonResponse('Updated', z.object({ email_verified: z.boolean() })),
        ...problems(400, 401, 403, 404, 415),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const { verified } = c.req.valid('json');
      await markEmailVerified(deps, { operatorId: c.get('user').id, userId: id, verified });
      return c.json({ email_verified: verified }, 200);
    },
  );
}
