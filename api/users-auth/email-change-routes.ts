/**
 * An ordinary account changes its mail address (services/users-auth/email-change.ts): asked with the owner proof,
 * applied when the link mailed to the new address is followed (here, or on the link's own page).
 */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { refuseEmailChangeRequest, requestEmailChange } from '../../services/users-auth/email-change.js';
import { recordSecurityEvent } from '../../services/security/client.js';
import { refuseCountingTakenEmail } from '../../services/users-auth/taken-email.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { clientIp } from '../http/client-ip.js';
import type { Guards } from '../http/guards.js';
import { guardedRoute } from '../http/routes.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { Accepted, LinkToken } from './account-email-routes.js';
import { emailChangeDeps } from './account-mail-deps.js';
import { OwnEmail } from './auth-routes.js';
import { confirmEmailChange } from './confirm-email-change.js';
import { requireOwnerProof, withOwnerProof } from './owner-proof.js';

/** How the account signs in changes, so the owner proof (`current_password`, and `totp` with two-factor on). */
const EmailChangeRequest = withOwnerProof(z.object({ email: OwnEmail.openapi({ description: 'The new address' }) }));

export function emailChangeRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const changes = emailChangeDeps(deps);

  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/me/email-change',
      tags: ['account'],
      summary:
        'Ask to change the mail address, with the owner proof (current_password; totp when two-factor is on): a confirmation link goes to the new address, a notice to the old one',
      description:
        'Nothing changes until the link mailed to the new address is followed (`POST /v1/auth/email-change/confirm`, ' +
        'or the page it opens): it works once, for EMAIL_CHANGE_TTL, and only while the password is the one of the ' +
        'request and the account enabled (a password change or reset, or an admin disabling it, cancels it). The old address is told, with the new one masked, and can ' +
        'not finish the change. At most one request per EMAIL_VERIFICATION_RESEND_INTERVAL: sooner is a 429 ' +
        '`rate_limited` with `Retry-After`. An address another account has is a 409 `email_taken` naming `email`, ' +
        'each one counted against the account and the client IP as a failed sign-in is (LOGIN_*: then a 429); ' +
        'the current address is a 400 naming `email`; an account made from Telegram, which has no address of its ' +
        'own yet, is a 409 `conflict` naming `email` (it adds one with `POST /v1/me/email`).',
      request: jsonBody(EmailChangeRequest),
      responses: {
        202: jsonResponse('Asked: the link is on its way to the new address', Accepted),
        ...problems(400, 401, 403, 409, 415, 429),
      },
    }),
    async (c) => {
      const { email, ...proof } = c.req.valid('json');
      const user = c.get('user');
      const ip = clientIp(c, deps.settings.trustProxy);
      await refuseCountingTakenEmail(deps.security, { userId: user.id, ip }, () =>
        refuseEmailChangeRequest(changes, user, email),
      );
      const owner = await requireOwnerProof(c, deps, proof);
      const { changeId } = await requestEmailChange(changes, owner, email);
      await recordSecurityEvent(deps.sql, {
        kind: 'email_change_requested',
        userId: user.id,
        ip,
        detail: { change_id: changeId, to: email },
      });
      return c.json({ message: 'a confirmation link is on its way to the new address' }, 202);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/auth/email-change/confirm',
      tags: ['auth'],
      summary:
        'Apply a change of mail address with the token of the link mailed to the new address: it works once, verifies the new address and signs every session out',
      description:
        'A link used, expired or forged is a 400 naming `token` (`already used`, `expired`, `invalid`; `cancelled` when ' +
        'the password changed, or the account was disabled, since the request). An address another account has taken since is a 409 ' +
        '`email_taken` naming `email`.',
      request: jsonBody(z.object({ token: LinkToken })),
      responses: {
        200: jsonResponse(
          'Changed; every token and console session of the user refused from now on',
          z.object({ email: z.string(), email_verified: z.literal(true) }),
        ),
        ...problems(400, 409, 415, 429),
      },
    }),
    async (c) => {
      const { token } = c.req.valid('json');
      const { email } = await confirmEmailChange(deps, { token, ip: clientIp(c, deps.settings.trustProxy) });
      return c.json({ email, email_verified: true as const }, 200);
    },
  );
}
