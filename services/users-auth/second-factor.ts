/**
 * A signed-in user's second-factor code (confirming enrolment, turning it off, creating an API key), behind the
 * attempt throttle: a wrong code counts against the user and the IP, and a wrong code is a security event.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { totpRefused, totpRequired } from '../../domain/users-auth/second-factor.js';
import { unseal } from '../../platform/crypto/sealed.js';
import { checkTotp } from '../../platform/crypto/totp.js';
import { attemptSubjects, recordSecurityEvent } from '../security/client.js';
import type { SignInGuard } from './throttled-sign-in.js';

export async function checkSecondFactorCode(
  { sql, totpKey, throttle, policies }: SignInGuard,
  attempt: { userId: string; ip: string; sealedSecret: string; code: string | undefined; field: string },
): Promise<void> {
  const { userId, ip, field } = attempt;
  if (!attempt.code) throw totpRequired(field);
  const code = attempt.code;
  await throttle.guard({
    subjects: attemptSubjects(policies, 'totp', userId, ip),
    attempt: async () => {
      if (await checkTotp(unseal(totpKey, attempt.sealedSecret), code)) return;
      await recordSecurityEvent(sql, { kind: 'totp_failed', userId, ip });
      throw totpRefused(field);
    },
    isFailure: (error) => error instanceof DomainError && error.code === ErrorCode.TotpInvalid,
  });
}
