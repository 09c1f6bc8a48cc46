/** Registration, tokens (password + optional TOTP), refresh rotation, logout, and TOTP enrolment. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { familyOf, revokeFamily } from '../../services/users-auth/refresh-tokens-store.js';
import { rotateRefreshToken } from '../../services/users-auth/token-refresh.js';
import { insertUser, setTotp, totpSecretOf } from '../../services/users-auth/users-store.js';
import { isTelegramPlaceholder } from '../../domain/users-auth/telegram-placeholder.js';
import { throttledSignIn } from '../../services/users-auth/throttled-sign-in.js';
import { wrongCredentials } from '../../services/users-auth/sign-in.js';
import { checkSecondFactorCode } from '../../services/users-auth/second-factor.js';
import { recordSecurityEvent, registrationSubject } from '../../services/security/client.js';
import { mailVerificationAfterAnswer } from './account-mail-deps.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Guards } from '../http/guards.js';
import { hashPassword } from '../../platform/crypto/passwords.js';
import { seal } from '../../platform/crypto/sealed.js';
import { newTotpSecret, totpUri } from '../../platform/crypto/totp.js';
import { clientIp } from '../http/client-ip.js';
import { signInGuard } from '../http/sign-in-guard.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { ApiError } from '../http/problem.js';
import { EmailAddress, jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';
import { requireOwnerProof, TotpCode, withOwnerProof } from './owner-proof.js';

export const Email = EmailAddress;
/** An address a user gives as their own: never a placeholder of an account made from Telegram (telegram-accounts.ts). */
export const OwnEmail = Email.refine((email) => !isTelegramPlaceholder(email), 'is reserved for accounts made from Telegram');
export const Password = z
  .string()
  .min(12, 'must have at least 12 characters')
  .max(256)
  .openapi({ example: 'correct horse battery staple' });

export const UserView = z
  .object({
    id: z.uuid(),
    email: z.string(),
    role: z.string(),
    totp_enabled: z.boolean(),
    disabled: z.boolean(),
    created_at: z.string(),
    group_id: z.string().nullable(),
    account_type: z.string(),
    verification_level: z.number().int(),
    email_verified: z.boolean(),
    verification_status: z.enum(['none', 'pending', 'verified', 'rejected']),
  })
  .openapi('User');

export const TokenPair = z
  .object({ access_token: z.string(), refresh_token: z.string(), token_type: z.literal('Bearer'), expires_in: z.number().int() })
  .openapi('TokenPair');

export function userView(u: {
  id: string;
  email: string;
  role: string;
  totpEnabled: boolean;
  disabled: boolean;
  createdAt: Date;
  groupId: string | null;
  accountType: string;
  verificationLevel: number;
  emailVerified: boolean;
  verificationStatus: string;
}) {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    totp_enabled: u.totpEnabled,
    disabled: u.disabled,
    created_at: u.createdAt.toISOString(),
    group_id: u.groupId,
    account_type: u.accountType,
    verification_level: u.verificationLevel,
    email_verified: u.emailVerified,
    verification_status: u.verificationStatus as 'none' | 'pending' | 'verified' | 'rejected',
  };
}

export function authRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const tokenPair = (pair: { accessToken: string; refreshToken: string; expiresIn: number }) => ({
    access_token: pair.accessToken,
    refresh_token: pair.refreshToken,
    token_type: 'Bearer' as const,
    expires_in: pair.expiresIn,
  });

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/register',
      tags: ['auth'],
      summary: 'Create a user account (throttled per client IP: REGISTER_IP_*)',
      request: jsonBody(
        z.object({
          email: OwnEmail,
          password: Password,
        }),
      ),
      responses: { 201: jsonResponse('Registered', UserView), ...problems(400, 409, 415, 429) },
    }),
    async (c) => {
      const { email, password } = c.req.valid('json');
      // every registration counts, taken or not: each costs a password hash, a row and a mail
      await deps.security.throttle.consume([
        registrationSubject(deps.security.throttlePolicies, clientIp(c, deps.settings.trustProxy)),
      ]);
      const user = await insertUser(deps.sql, { email, passwordHash: await hashPassword(password), role: 'user' });
      if (!user)
        throw new ApiError(ErrorCode.EmailTaken, 'an account with this email exists', [{ path: 'email', message: 'is taken' }]);
      mailVerificationAfterAnswer(deps, user.id);
      return c.json(userView(user), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/token',
      tags: ['auth'],
      summary: 'Exchange email, password (and TOTP code when enabled) for tokens',
      request: jsonBody(z.object({ email: Email, password: z.string().min(1).max(256), totp: TotpCode.optional() })),
      responses: { 200: jsonResponse('Tokens', TokenPair), ...problems(400, 401, 403, 415, 429) },
    }),
    async (c) => {
      const { email, password, totp } = c.req.valid('json');
      const ip = clientIp(c, deps.settings.trustProxy);
      const user = await throttledSignIn(signInGuard(deps), { email, password, totp, ip, userAgent: c.req.header('user-agent') });
      const pair = await deps.tokens.issue(deps.sql, user);
      // a password change or reset committed while the password was checked: that password no longer signs in
      if (!pair) throw wrongCredentials();
      return c.json(tokenPair(pair), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/refresh',
      tags: ['auth'],
      summary: 'Rotate a refresh token into a new token pair (each refresh token works once)',
      request: jsonBody(z.object({ refresh_token: z.string().min(1).max(2048) })),
      responses: { 200: jsonResponse('Tokens', TokenPair), ...problems(400, 401, 403, 415) },
    }),
    async (c) => {
      const id = await deps.tokens.verifyRefresh(c.req.valid('json').refresh_token);
      if (!id) throw new ApiError(ErrorCode.Unauthenticated, 'the refresh token is invalid or expired');
      const ip = clientIp(c, deps.settings.trustProxy);
      const rotated = await rotateRefreshToken(deps.sql, deps.tokens, { id, ip });
      if ('ok' in rotated) {
        if (rotated.reason === 'reused') deps.log.warn({ refreshTokenId: id }, 'refresh token reused: its family was revoked');
        throw new ApiError(
          ErrorCode.Unauthenticated,
          `the refresh token is ${rotated.reason === 'unknown' ? 'invalid' : rotated.reason}`,
        );
      }
      return c.json(tokenPair(rotated), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/logout',
      tags: ['auth'],
      summary: 'Revoke a refresh token and every token rotated from it',
      request: jsonBody(z.object({ refresh_token: z.string().min(1).max(2048) })),
      responses: { 204: { description: 'Revoked' }, ...problems(400, 415) },
    }),
    async (c) => {
      const id = await deps.tokens.verifyRefresh(c.req.valid('json').refresh_token);
      const family = id ? await familyOf(deps.sql, id) : null;
      if (family) await revokeFamily(deps.sql, family);
      return c.body(null, 204);
    },
  );

  // enrolment and its confirmation need proof of ownership (owner-proof.ts): a stolen access token alone must not
  // turn on a second factor its owner does not hold, and so lock them out
  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/auth/totp/enroll',
      tags: ['auth'],
      summary:
        'Start two-factor enrolment (needs the owner proof: the current password or, for an account made from Telegram, fresh Login Widget data): returns a secret to add to an authenticator app',
      request: jsonBody(withOwnerProof(z.object({}))),
      responses: {
        200: jsonResponse(
          'Secret to confirm with /v1/auth/totp/verify',
          z.object({ secret: z.string(), otpauth_url: z.string() }),
        ),
        ...problems(400, 401, 403, 409, 415, 429, 503),
      },
    }),
    async (c) => {
      const user = c.get('user');
      const current = await totpSecretOf(deps.sql, user.id);
      if (current.enabled) throw new ApiError(ErrorCode.Conflict, 'two-factor authentication is already enabled');
      await requireOwnerProof(c, deps, c.req.valid('json'));
      const secret = newTotpSecret();
      await setTotp(deps.sql, user.id, { sealedSecret: seal(deps.keys.totp, secret), enabled: false });
      return c.json({ secret, otpauth_url: totpUri(secret, user.email) }, 200);
    },
  );

  /** Turns two-factor on or off once `prove` passed, given the secret on record. */
  async function switchTotp(
    c: Context<AppEnv>,
    wanted: boolean,
    prove: (current: { secret: string; lastStep: number | null; ip: string }) => Promise<unknown>,
  ) {
    const user = c.get('user');
    const { secret, enabled, lastStep } = await totpSecretOf(deps.sql, user.id);
    if (!secret || enabled === wanted) {
      throw new ApiError(
        ErrorCode.Conflict,
        wanted ? 'start with /v1/auth/totp/enroll, or it is already enabled' : 'two-factor authentication is not enabled',
      );
    }
    const ip = clientIp(c, deps.settings.trustProxy);
    await prove({ secret, lastStep, ip });
    await setTotp(deps.sql, user.id, { sealedSecret: wanted ? secret : null, enabled: wanted });
    await recordSecurityEvent(deps.sql, { kind: wanted ? 'totp_enabled' : 'totp_disabled', userId: user.id, ip });
    return { totp_enabled: wanted };
  }
  const TotpState = jsonResponse('Two-factor state', z.object({ totp_enabled: z.boolean() }));

  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/auth/totp/verify',
      tags: ['auth'],
      summary: 'Confirm enrolment with a code and the same proof of ownership: two-factor is then required at login',
      request: jsonBody(withOwnerProof(z.object({ code: TotpCode }))),
      responses: { 200: TotpState, ...problems(400, 401, 403, 409, 415, 429, 503) },
    }),
    async (c) => {
      const { code, ...proof } = c.req.valid('json');
      const confirmed = await switchTotp(c, true, async ({ secret, lastStep, ip }) => {
        await requireOwnerProof(c, deps, proof);
        const userId = c.get('user').id;
        await checkSecondFactorCode(signInGuard(deps), { userId, ip, sealedSecret: secret, lastStep, code, field: 'code' });
      });
      return c.json(confirmed, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/auth/totp/disable',
      tags: ['auth'],
      summary:
        'Turn two-factor off, with the owner proof and a current code as totp: a stolen access token and one code do not take the second factor away',
      request: jsonBody(withOwnerProof(z.object({}))),
      responses: { 200: TotpState, ...problems(400, 401, 403, 409, 415, 429, 503) },
    }),
    // the owner proof asks the code itself, two-factor being on
    async (c) => c.json(await switchTotp(c, false, () => requireOwnerProof(c, deps, c.req.valid('json'))), 200),
  );
}
