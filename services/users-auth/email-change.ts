/**
 * An ordinary account changes its mail address: the request, proven by the owner (owner-proof.ts), stores the change
 * and mails a single-use link (single-use-links.ts) to the new address and a notice to the old one, which cannot finish
 * it. Following the link applies the change: the address, verified by that link, replaces the old one, and every
 * session is signed out as after a password change (the address is half of what signs in). It applies only while the
 * account is enabled and has the address and session version it was asked under, so a password change or reset (what
 * the notice tells an owner who did not ask to do), or an admin disabling it, cancels it. An address another account has is refused when asked and again
 * when applied (the unique index decides a race). At most one request per account per interval: each mails twice.
 */
import { randomUUID } from 'node:crypto';
import { ThrottledError, ErrorCode } from '../../domain/errors.js';
import { refuseEmailChange } from '../../domain/users-auth/email-change.js';
import type { Sql } from '../../platform/db/client.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { startAccountMails } from './account-mail.js';
import { revokeAllRefreshTokens } from './refresh-tokens-store.js';
import { linkRefused, linkSecretHash, liveLink, useUsersLinks } from './single-use-links.js';
import { refuseTakenEmail, takingEmail } from './taken-email.js';

export interface EmailChangeDeps {
  sql: Sql;
  /** The email-links key: a link's secret is derived from its id with it. */
  key: Buffer;
  /** Both mails go out through account-mail workflows. */
  temporal: TemporalTarget;
  ttlMs: number;
  /** The shortest time between two requests of an account (EMAIL_VERIFICATION_RESEND_INTERVAL, as for its mails). */
  intervalMs: number;
}

/**
 * Refuses what cannot succeed before the owner proof spends a code on it: an account made from Telegram (it adds its
 * first address elsewhere), its own address, an address taken, a request sooner than the interval allows.
 */
export async function refuseEmailChangeRequest(
  deps: EmailChangeDeps,
  account: { id: string; email: string },
  newEmail: string,
): Promise<void> {
  refuseEmailChange(account.email, newEmail);
  await refuseTakenEmail(deps.sql, newEmail);
  await refuseTooSoon(deps, account.id, false);
}

/** Stores the change the owner proved (under the address and session version of the proof) and has both mails sent. */
export async function requestEmailChange(
  deps: EmailChangeDeps,
  owner: { id: string; email: string; sessionVersion: number },
  newEmail: string,
): Promise<{ changeId: string }> {
  const id = randomUUID();
  const change = await deps.sql.begin(async (tx) => {
    // under the user's row lock: requests sent at once would each see none of the others and all mail
    await tx`select 1 from users where id = ${owner.id} for update`;
    const [stored] = await tx`
      insert into email_changes (id, user_id, old_email, new_email, session_version, secret_hash, expires_at)
      select ${id}, ${owner.id}, ${owner.email}, ${newEmail}, ${owner.sessionVersion},
        ${linkSecretHash(deps.key, 'email-change', id)}, now() + ${deps.ttlMs / 1000} * interval '1 second'
      where not exists (select 1 from email_changes
                        where user_id = ${owner.id} and created_at > now() - ${deps.intervalMs / 1000} * interval '1 second')
      returning id`;
    return stored;
  });
  if (!change) await refuseTooSoon(deps, owner.id, true); // another request came first
  await startAccountMails(
    deps.temporal,
    [
      { kind: 'email-change', changeId: id, email: newEmail },
      { kind: 'email-change-notice', changeId: id, email: owner.email, newEmail },
    ],
    () => deps.sql`delete from email_changes where id = ${id}`,
  );
  return { changeId: id };
}

/** A 429 with the seconds left when the account's last request is younger than the interval (`always`: whatever it says). */
async function refuseTooSoon(deps: EmailChangeDeps, userId: string, always: boolean): Promise<void> {
  const [last] = await deps.sql`
    select ceil(extract(epoch from max(created_at) + ${deps.intervalMs / 1000} * interval '1 second' - now()))::int
      as seconds_left
    from email_changes where user_id = ${userId}`;
  const secondsLeft = (last?.secondsLeft as number | null) ?? 0;
  if (secondsLeft <= 0 && !always) return;
  throw new ThrottledError(
    `a change of address was asked less than ${Math.round(deps.intervalMs / 1000)} seconds ago`,
    Math.max(1, secondsLeft), // at least 1: the interval may have run out since the insert looked
    ErrorCode.RateLimited,
  );
}

/**
 * Applies the change of a live link, then voids the account's other links (its reset links too) and signs every session out: refresh tokens
 * revoked, access tokens and console sessions refused by the new session version. The new address is verified: the
 * link mailed there was followed.
 */
export async function applyEmailChange(db: Sql, token: string): Promise<{ userId: string; oldEmail: string; newEmail: string }> {
  return db.begin(async (tx) => {
    const change = await liveLink(tx, 'email-change', token, 'link');
    const { userId } = change;
    const oldEmail = change.oldEmail as string;
    const newEmail = change.newEmail as string;
    await useUsersLinks(tx, 'email-change', userId);
    // a reset link mailed to the old address would hand the account back to a mailbox the owner has just left
    await useUsersLinks(tx, 'password-reset', userId);
    const applied = await takingEmail(
      () => tx`
        update users set email = ${newEmail}, email_verified_at = now(), verification_mail_at = null,
          session_version = session_version + 1
        where id = ${userId} and email = ${oldEmail} and session_version = ${change.sessionVersion as number}
          and disabled_at is null
        returning 1`,
    );
    // its password changed (or was reset) since, what the notice tells an owner who did not ask to do; or an admin
    // disabled it, perhaps as taken over, and the taker's new address must not outlive that
    if (applied.length === 0) throw linkRefused('link', 'cancelled');
    await revokeAllRefreshTokens(tx, userId);
    return { userId, oldEmail, newEmail };
  });
}
