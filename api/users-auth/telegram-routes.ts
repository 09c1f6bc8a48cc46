/** Telegram sign-in (Login Widget data, creating the account on first sight) and linking Telegram to an account. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { linkTelegram, signInWithTelegram, unlinkTelegram } from '../../services/users-auth/telegram-accounts.js';
import { verifiedTelegramIdentity } from '../../services/users-auth/telegram-identity.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { clientIp } from '../http/client-ip.js';
import type { Guards } from '../http/guards.js';
import { signInGuard } from '../http/sign-in-guard.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { attemptSubjects, recordSecurityEvent } from '../../services/security/client.js';
import { TokenPair } from './auth-routes.js';
import { requireOwnerProof, TotpCode, withOwnerProof } from './owner-proof.js';
import { LoginWidgetData } from './telegram-login-data.js';
import { guardedRoute } from '../http/routes.js';

const SignInRequest = LoginWidgetData.extend({ totp: TotpCode.optional() });
/**
 * Linking adds a way in that outlives a password change, and unlinking takes one away: both need the owner proof
 * (owner-proof.ts), so an access token alone can neither give someone else's Telegram account the account nor take
 * its owner's away.
 */
const LinkRequest = withOwnerProof(LoginWidgetData);
const UnlinkRequest = withOwnerProof(z.object({}));

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
        'Link a Telegram account (Login Widget data) to this account: a way in, so it needs the owner proof (the current password; a TOTP code when two-factor is on)',
      request: jsonBody(LinkRequest),
      responses: {
        200: jsonResponse('Linked', z.object({ telegram_id: z.string(), username: z.string().nullable() })),
        ...problems(400, 401, 403, 409, 415, 429, 503),
      },
    }),
    async (c) => {
      const { current_password, telegram_auth, totp, ...data } = c.req.valid('json');
      // the widget's data first: a refusal of it spends no code
      const identity = verifiedTelegramIdentity(deps.settings.accounts.telegram, data);
      await requireOwnerProof(c, deps, { current_password, telegram_auth, totp });
      await linkTelegram(deps.sql, c.get('user').id, identity);
      return c.json({ telegram_id: identity.telegramId, username: identity.username }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'delete',
      path: '/v1/me/telegram',
      tags: ['account'],
      summary:
        'Unlink the Telegram account, with the owner proof; refused (409) for an account made from Telegram, its only way in',
      request: jsonBody(UnlinkRequest),
      responses: { 204: { description: 'Unlinked' }, ...problems(400, 401, 403, 404, 409, 415, 429, 503) },
    }),
    async (c) => {
      await requireOwnerProof(c, deps, c.req.valid('json'));
      await unlinkTelegram(deps.sql, c.get('user').id);
      return c.body(null, 204);
    },
  );
}
