/**
 * A signed-in user's second-factor code (confirming enrolment, turning it off, creating an API key), behind the
 * attempt throttle: a wrong code counts against the user and the IP, and a wrong code is a security event. A code
 * accepted once is refused after (totp-codes.ts).
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { totpRefused, totpRequired } from '../../domain/users-auth/second-factor.js';
import { attemptSubjects, recordSecurityEvent } from '../security/client.js';
import type { SignInGuard } from './throttled-sign-in.js';
import { spendTotpCode } from './totp-codes.js';

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
