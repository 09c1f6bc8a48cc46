/**
 * An account made from Telegram adds its own mail address and password (services/users-auth/telegram-mailbox.ts): the
 * way out of a placeholder address no verification link or withdrawal code reaches.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { addMailbox, refuseMailboxChange } from '../../services/users-auth/telegram-mailbox.js';
import { refuseCountingTakenEmail } from '../../services/users-auth/taken-email.js';
import { userById } from '../../services/users-auth/users-store.js';
import { recordSecurityEvent } from '../../services/security/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { clientIp } from '../http/client-ip.js';
import type { Guards } from '../http/guards.js';
import { guardedRoute } from '../http/routes.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { mailVerificationAfterAnswer } from './account-mail-deps.js';
import { OwnEmail, Password, userView, UserView } from './auth-routes.js';
import { requireOwnerProof, withOwnerProof } from './owner-proof.js';

/** A new way in, so the owner proof (for such an account, `telegram_auth`; and `totp` with two-factor on). */
const MailboxRequest = withOwnerProof(z.object({ email: OwnEmail, password: Password }));

export function telegramMailboxRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.session, {
      method: 'post',
      path: '/v1/me/email',
      tags: ['account'],
      summary:
        'Give an account made from Telegram its own mail address and password, with the owner proof (telegram_auth; totp when two-factor is on)',
      description:
        'The address starts unverified and its verification link is mailed; from then on the address and password sign ' +
        'in and prove the owner, and the linked Telegram account may be unlinked. An address another account has is a ' +
        '409 `email_taken` naming `email`, each one counted against the account and the client IP as a failed sign-in ' +
        'is (LOGIN_*: then a 429, the budget `POST /v1/me/email-change` counts on too); an account that has an ' +
        'address of its own (not made from Telegram) is a 409 `conflict` naming `email` (it changes its address with `POST /v1/me/email-change`). `password` follows the rules of registration.',
      request: jsonBody(MailboxRequest),
      responses: {
        200: jsonResponse('The account, with its new address', UserView),
        ...problems(400, 401, 403, 409, 415, 429, 503),
      },
    }),
    async (c) => {
      const { email, password, ...proof } = c.req.valid('json');
      const user = c.get('user');
      const ip = clientIp(c, deps.settings.trustProxy);
      await refuseCountingTakenEmail(deps.security, { userId: user.id, ip }, () => refuseMailboxChange(deps.sql, user, email));
      await requireOwnerProof(c, deps, proof);
      await addMailbox(deps.sql, user.id, { email, password });
      deps.users.userChanged(user.id); // its address moved: this process's cached principal goes
      await recordSecurityEvent(deps.sql, { kind: 'email_added', userId: user.id, ip });
      mailVerificationAfterAnswer(deps, user.id);
      return c.json(userView((await userById(deps.sql, user.id))!), 200);
    },
  );
}
