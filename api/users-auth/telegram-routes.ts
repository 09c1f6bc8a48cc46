/** Telegram sign-in (Login Widget data, creating the account on first sight) and linking Telegram to an account. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { linkTelegram, signInWithTelegram, unlinkTelegram } from '../../services/users-auth/telegram-accounts.js';
import { verifiedTelegramIdentity } from '../../services/users-auth/telegram-identity.js';
import { proveCurrentPassword } from '../../services/users-auth/current-password.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { clientIp } from '../http/client-ip.js';
import type { Guards } from '../http/guards.js';
import { signInGuard } from '../http/sign-in-guard.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { attemptSubjects, recordSecurityEvent } from '../../services/security/client.js';
import { TokenPair, TotpCode } from './auth-routes.js';
import { LoginWidgetData } from './telegram-login-data.js';
import { guardedRoute } from '../http/routes.js';

const SignInRequest = LoginWidgetData.extend({ totp: TotpCode.optional() });
/**
 * Linking adds a way in that outlives a password change: it proves the current password (and, with two-factor on, a
 * code), as a password change does, so an access token alone cannot give someone else's Telegram account the account.
 */
const LinkRequest = LoginWidgetData.extend({
  current_password: z.string().min(1).max(256),
  totp: TotpCode.optional().openapi({ description: 'A current code, required when two-factor authentication is enabled' }),
});

export function telegramRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/telegram',
      tags: ['auth'],
      summary: 'Sign in with Telegram Login Widget data (the account is created on first sign-in); totp when two-factor is on',
      request: jsonBody(SignInRequest),
      responses: { 200: jsonResponse('Tokens', TokenPair), ...problems(400, 401, 403, 409, 415, 429, 503) },
    }),
    async (c) => {
      const { totp, ...data } = c.req.valid('json');
      const identity = verifiedTelegramIdentity(deps.settings.accounts.telegram, data);
      const ip = clientIp(c, deps.settings.trustProxy);
      // the Telegram data proves who it is; the second-factor code is a guess, throttled like a sign-in's
      const { user, created } = await deps.security.throttle.guard({
        subjects: attemptSubjects(deps.security.throttlePolicies, 'login', `telegram:${identity.telegramId}`, ip),
        attempt: () => signInWithTelegram(signInGuard(deps), identity, { totp, ip }),
        isFailure: (error) => error instanceof DomainError && error.code === ErrorCode.TotpInvalid,
      });
      await recordSecurityEvent(deps.sql, { kind: 'login_succeeded', userId: user.id, ip, detail: { via: 'telegram' } });
      if (created) deps.log.info({ user: user.id, telegram: identity.telegramId }, 'account created from Telegram');
      const pair = await deps.tokens.issue(deps.sql, user);
      if (!pair)
        throw new DomainError(ErrorCode.Unauthenticated, 'a password change signed this account out meanwhile: sign in again');
      return c.json(
        {
          access_token: pair.accessToken,
          refresh_token: pair.refreshToken,
          token_type: 'Bearer' as const,
          expires_in: pair.expiresIn,
        },
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/me/telegram',
      tags: ['account'],
      summary:
        'Link a Telegram account (Login Widget data) to this account: a way in, so it needs the current password (and a TOTP code when two-factor is on)',
      request: jsonBody(LinkRequest),
      responses: {
        200: jsonResponse('Linked', z.object({ telegram_id: z.string(), username: z.string().nullable() })),
        ...problems(400, 401, 403, 409, 415, 429, 503),
      },
    }),
    async (c) => {
      const { current_password: password, totp, ...data } = c.req.valid('json');
      const user = c.get('user');
      const ip = clientIp(c, deps.settings.trustProxy);
      // the widget's data first: a refusal of it spends no code
      const identity = verifiedTelegramIdentity(deps.settings.accounts.telegram, data);
      await proveCurrentPassword(signInGuard(deps), { email: user.email, password, totp, ip });
      await linkTelegram(deps.sql, user.id, identity);
      return c.json({ telegram_id: identity.telegramId, username: identity.username }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'delete',
      path: '/v1/me/telegram',
      tags: ['account'],
      summary: 'Unlink the Telegram account (not when Telegram is the only way in)',
      responses: { 204: { description: 'Unlinked' }, ...problems(401, 403, 404, 409) },
    }),
    async (c) => {
      await unlinkTelegram(deps.sql, c.get('user').id);
      return c.body(null, 204);
    },
  );
}
