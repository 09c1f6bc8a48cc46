/**
 * Applying a change of mail address with its link's token, as the JSON API and the link's own page both do it:
 * guesses throttled per link and per IP, this process's cached principal dropped at once (its address and session
 * version moved on), the security event kept.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { applyEmailChange } from '../../services/users-auth/email-change.js';
import { attemptSubjects, recordSecurityEvent } from '../../services/security/client.js';
import type { ApiDeps } from '../context.js';

export async function confirmEmailChange(deps: ApiDeps, request: { token: string; ip: string }): Promise<{ email: string }> {
  const { token, ip } = request;
  const { userId, oldEmail, newEmail } = await deps.security.throttle.guard({
    subjects: attemptSubjects(deps.security.throttlePolicies, 'email-change', `link:${token.split('.')[0]}`, ip),
    attempt: () => applyEmailChange(deps.sql, token),
    isFailure: (error) => error instanceof DomainError && error.code === ErrorCode.ValidationFailed,
  });
  deps.users.userChanged(userId);
  await recordSecurityEvent(deps.sql, { kind: 'email_changed', userId, ip, detail: { from: oldEmail, to: newEmail } });
  deps.log.info({ user: userId }, 'email changed');
  return { email: newEmail };
}
