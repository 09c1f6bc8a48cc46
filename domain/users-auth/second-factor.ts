/**
 * The refusals of a second-factor code, built once for every place that asks for one (sign-in, the console, Telegram,
 * enrolment, API keys, a password change, a withdrawal's confirmation): each names the field the code goes in, as
 * every problem's errors[] names the bad field. A code used before is refused as a wrong one (RFC 6238 §5.2).
 */
import { DomainError, ErrorCode } from '../errors.js';

export function totpRequired(field = 'totp'): DomainError {
  return new DomainError(ErrorCode.TotpRequired, `two-factor authentication is enabled: send ${field}`, [
    { path: field, message: 'is required' },
  ]);
}

export function totpRefused(field = 'totp'): DomainError {
  return new DomainError(ErrorCode.TotpInvalid, 'the two-factor code is wrong, expired or already used', [
    { path: field, message: 'is wrong, expired or already used' },
  ]);
}
