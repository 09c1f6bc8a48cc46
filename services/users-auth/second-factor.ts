/**
 * A second-factor code, wherever a user gives one (signing in by password or by Telegram, confirming enrolment,
 * turning it off, creating an API key, changing the password), behind the attempt throttle: a wrong code counts against
 * the user (by id: one budget of guesses however the account is reached) and the IP, and is a security event. A code
 * accepted once is refused after (totp-codes.ts).
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { totpRefused, totpRequired } from '../../domain/users-auth/second-factor.js';
import { attemptSubjects, recordSecurityEvent, type AttemptThrottle, type AuthThrottlePolicies } from '../security/client.js';
import type { Sql } from '../../platform/db/client.js';
import { spendTotpCode } from './totp-codes.js';

/** What a check of a password or a code needs: the database, the TOTP key and the attempt throttle. */
export interface SignInGuard {
  sql: Sql;
  totpKey: Buffer;
  throttle: AttemptThrottle;
  policies: AuthThrottlePolicies;
}

export async function checkSecondFactorCode(
  { sql, totpKey, throttle, policies }: SignInGuard,
  attempt: { userId: string; ip: string; sealedSecret: string; lastStep: number | null; code: string | undefined; field: string },
): Promise<void> {
  const { userId, ip, field } = attempt;
  if (!attempt.code) throw totpRequired(field);
  const code = attempt.code;
  await throttle.guard({
    subjects: attemptSubjects(policies, 'totp', userId, ip),
    attempt: async () => {
      if (await spendTotpCode(sql, totpKey, { userId, sealedSecret: attempt.sealedSecret, lastStep: attempt.lastStep }, code))
        return;
      await recordSecurityEvent(sql, { kind: 'totp_failed', userId, ip });
      throw totpRefused(field);
    },
    isFailure: (error) => error instanceof DomainError && error.code === ErrorCode.TotpInvalid,
  });
}
