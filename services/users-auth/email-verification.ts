/**
 * Email verification: registration mails a signed link (email-links.ts); opening it marks the email verified. A user
 * can ask for the mail again, at most once per resend interval; an operator can mark an email verified by hand.
 */
import { DomainError, ErrorCode, ThrottledError } from '../../domain/errors.js';
import { refuseOwnAccount } from '../../domain/users-auth/own-account.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import type { UserDirectory } from './directory.js';
import { startAccountMails } from './account-mail.js';
import { checkEmailVerificationToken } from './email-links.js';

export interface EmailVerificationDeps {
  sql: Db;
  key: Buffer;
  /** Account mail goes out through a workflow (services/users-auth/account-mail.ts). */
  temporal: TemporalTarget;
  ttlMs: number;
  resendIntervalMs: number;
}

/** Has the link mailed (durably, by a workflow) unless the email is verified or a link went out less than the resend interval ago. */
export async function sendEmailVerification(deps: EmailVerificationDeps, userId: string): Promise<void> {
  const [user] = await deps.sql`
    update users u set verification_mail_at = now()
    from users before
    where u.id = ${userId} and before.id = u.id and u.email_verified_at is null
      and (u.verification_mail_at is null or u.verification_mail_at <= now() - ${deps.resendIntervalMs / 1000} * interval '1 second')
    -- as text: a Date (and a parameter typed timestamptz) would drop the microseconds the undo compares
    returning u.id, u.email, u.verification_mail_at::text as stamped, before.verification_mail_at::text as previous`;
  if (!user) {
    const [state] = await deps.sql`
      select email_verified_at,
        ceil(extract(epoch from verification_mail_at + ${deps.resendIntervalMs / 1000} * interval '1 second' - now()))::int
          as seconds_left
      from users where id = ${userId}`;
    if (state?.emailVerifiedAt) throw new DomainError(ErrorCode.Conflict, 'this email address is already verified');
    throw new ThrottledError(
      `a verification mail was sent less than ${Math.round(deps.resendIntervalMs / 1000)} seconds ago`,
      // at least 1: the interval may have run out since the update above
      Math.max(1, state?.secondsLeft ?? 1),
      ErrorCode.RateLimited,
    );
  }
  // whole seconds, as the link carries them, so the worker builds the same link
  const expiresAt = new Date(Math.floor((Date.now() + deps.ttlMs) / 1000) * 1000).toISOString();
  // the stamp of a mail that is not on its way would refuse asking again for the resend interval
  await startAccountMails(
    deps.temporal,
    [{ kind: 'email-verification', userId: user.id, email: user.email, expiresAt }],
    () =>
      deps.sql`update users set verification_mail_at = ${user.previous as string | null}::text::timestamptz
             where id = ${user.id} and verification_mail_at::text = ${user.stamped as string}`,
  );
}

/** Verifies the email the token was sent to; verifying again is harmless. */
export async function verifyEmail(db: Db, key: Buffer, token: string): Promise<{ userId: string }> {
  const checked = checkEmailVerificationToken(key, token);
  if (!checked.ok) {
    throw new DomainError(ErrorCode.ValidationFailed, `the link is ${checked.reason}`, [
      { path: 'token', message: checked.reason },
    ]);
  }
  const rows = await db`
    update users set email_verified_at = coalesce(email_verified_at, now())
    where id = ${checked.userId} and email = ${checked.email} returning 1`;
  if (rows.length === 0) {
    throw new DomainError(ErrorCode.ValidationFailed, 'the link is for an email this account no longer has', [
      { path: 'token', message: 'invalid' },
    ]);
  }
  return { userId: checked.userId };
}

/** An operator's override: verified (or not) whatever the mail. False when there is no such user. */
export async function setEmailVerified(db: Db, userId: string, verified: boolean): Promise<boolean> {
  const rows = await db`
    update users set email_verified_at = case when ${verified} then coalesce(email_verified_at, now()) end
    where id = ${userId} returning 1`;
  return rows.length > 0;
}

/** The operator's override (ops API and console), logged with who did it. */
export async function markEmailVerified(
  deps: { sql: Db; log: Logger; users: Pick<UserDirectory, 'userChanged'> },
  change: { operatorId: string; userId: string; verified: boolean },
): Promise<void> {
  refuseOwnAccount(change.operatorId, change.userId, 'id', 'marking an email verified');
  if (!(await setEmailVerified(deps.sql, change.userId, change.verified)))
    throw new DomainError(ErrorCode.NotFound, 'no such user');
  deps.users.userChanged(change.userId);
  deps.log.info(
    { operator: change.operatorId, user: change.userId, verified: change.verified },
    'email verification set by an operator',
  );
}

export async function emailVerified(db: Db, userId: string): Promise<boolean> {
  const [row] = await db`select email_verified_at from users where id = ${userId}`;
  return Boolean(row?.emailVerifiedAt);
}
