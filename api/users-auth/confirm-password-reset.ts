/**
 * Setting a new password with a reset link's token, as the JSON API and the link's own page both do it: guesses
 * throttled per link and per IP, every session and API key of the account ended and its Telegram account unlinked at
 * once, the security event kept.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { resetPassword } from '../../services/users-auth/password-reset.js';
import { attemptSubjects, recordSecurityEvent } from '../../services/security/client.js';
import type { ApiDeps } from '../context.js';

export async function confirmPasswordReset(deps: ApiDeps, request: { token: string; newPassword: string; ip: string }) {
  const { token, newPassword, ip } = request;
  // guessing tokens: counted per link (the id before the dot) and per IP
  const { userId, revokedApiKeys, telegramUnlinked, totpEnabled } = await deps.security.throttle.guard({
    subjects: attemptSubjects(deps.security.throttlePolicies, 'password-reset', `link:${token.split('.')[0]}`, ip),
    attempt: () => resetPassword(deps.sql, token, newPassword),
    isFailure: (error) => error instanceof DomainError && error.code === ErrorCode.ValidationFailed,
  });
  deps.users.userChanged(userId); // its session version moved on: this process refuses the old tokens now
  for (const keyId of revokedApiKeys) deps.users.apiKeyChanged(keyId);
  // two-factor stays on: support reads here whether the owner still needs their authenticator to get in
  await recordSecurityEvent(deps.sql, {
    kind: 'password_reset',
    userId,
    ip,
    detail: { api_keys_revoked: revokedApiKeys, telegram_unlinked: telegramUnlinked, totp_enabled: totpEnabled },
  });
  deps.log.info({ user: userId }, 'password reset');
}
