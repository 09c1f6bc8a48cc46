/**
 * Password reset by a mailed link: single use, expiring, and using it signs every session out (all refresh tokens
 * revoked; access tokens and console sessions refused by the new session version), revokes every API key and unlinks
 * the linked Telegram account: a reset is what a user does when the password may be stolen, and whoever had it could
 * have made keys, or linked their own Telegram, that outlive it (a change with the current password keeps them:
 * password-change.ts). An account made from Telegram keeps it, its only way in (no reset is mailed to its
 * placeholder address anyway). Two-factor stays as it was: the link proves only
 * the mailbox, and a reset that turned the second factor off would hand a stolen mailbox the whole account; a user who
 * lost their authenticator (or finds one on that they never enrolled) asks support, and an admin turns it off
 * (roles.ts, resetSecondFactor) once they know it is the owner. Asking for one never tells whether the email has an account: the API answers before looking it up
 * (requestPasswordReset runs after the response, and the link is mailed by a workflow), so the answer and its timing are the same either way.
 */
import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../platform/crypto/passwords.js';
import type { Sql } from '../../platform/db/client.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { startAccountMails } from './account-mail.js';
import { revokeAllApiKeys } from './api-keys-store.js';
import { revokeAllRefreshTokens } from './refresh-tokens-store.js';
import { isTelegramPlaceholder } from '../../domain/users-auth/telegram-placeholder.js';
import { linkParts, linkSecretHash, liveLink, useUsersLinks } from './single-use-links.js';
import { unlinkTelegramUnlessOnlyWayIn } from './telegram-accounts.js';
import { setPasswordHash, totpSecretOf } from './users-store.js';

export interface PasswordResetDeps {
  sql: Sql;
  /** The email-links key: a link's secret is derived from its id with it (single-use-links.ts). */
  key: Buffer;
  /** The link goes out through an account-mail workflow. */
  temporal: TemporalTarget;
  ttlMs: number;
}

/** One mail per user per minute at most: a reset link mailed again and again helps nobody but a mail bomber. */
const MIN_INTERVAL_SECONDS = 60;

/**
 * Mails a reset link if the email has an account with a mailbox; says nothing either way. An account made from
 * Telegram has none (its placeholder address is under .invalid): no link, as for an unknown address.
 */
export async function requestPasswordReset(deps: PasswordResetDeps, email: string): Promise<void> {
  if (isTelegramPlaceholder(email.toLowerCase())) return;
  const id = randomUUID();
  const [reset] = await deps.sql`
    insert into password_resets (id, user_id, secret_hash, expires_at)
    select ${id}, u.id, ${linkSecretHash(deps.key, 'password-reset', id)}, now() + ${deps.ttlMs / 1000} * interval '1 second' from users u
    where u.email = ${email.toLowerCase()} and u.disabled_at is null
      and not exists (select 1 from password_resets r
                      where r.user_id = u.id and r.created_at > now() - ${MIN_INTERVAL_SECONDS} * interval '1 second')
    returning id`;
  if (!reset) return;
  // a reset left stored without its mail would make the retry within the minute a silent no-op
  await startAccountMails(
    deps.temporal,
    [{ kind: 'password-reset', resetId: id, email: email.toLowerCase() }],
    () => deps.sql`delete from password_resets where id = ${id}`,
  );
}

/**
 * Sets the new password if the token is a live link, then voids every other link, signs every session out, revokes
 * every API key (their ids returned, for the caller's cache) and unlinks Telegram (saying whether it did); says whether
 * two-factor is on, which the reset left alone.
 */
export async function resetPassword(
  db: Sql,
  token: string,
  newPassword: string,
): Promise<{ userId: string; revokedApiKeys: string[]; telegramUnlinked: boolean; totpEnabled: boolean }> {
  linkParts(token, 'reset link'); // a malformed token is refused before a password is hashed for it
  const passwordHash = await hashPassword(newPassword);
  return db.begin(async (tx) => {
    const reset = await liveLink(tx, 'password-reset', token, 'reset link');
    await useUsersLinks(tx, 'password-reset', reset.userId);
    await setPasswordHash(tx, reset.userId, passwordHash);
    await revokeAllRefreshTokens(tx, reset.userId);
    return {
      userId: reset.userId,
      revokedApiKeys: await revokeAllApiKeys(tx, reset.userId),
      telegramUnlinked: await unlinkTelegramUnlessOnlyWayIn(tx, reset.userId),
      totpEnabled: (await totpSecretOf(tx, reset.userId)).enabled,
    };
  });
}
