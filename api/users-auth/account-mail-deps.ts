/** What sending account mail takes, from the API's dependencies (registration and the email routes both send it). */
import type { EmailVerificationDeps } from '../../services/users-auth/email-verification.js';
import type { ApiDeps } from '../context.js';

export function emailVerificationDeps(deps: ApiDeps): EmailVerificationDeps {
  return {
    sql: deps.sql,
    key: deps.keys.emailLinks,
    temporal: deps.temporal,
    ttlMs: deps.settings.accounts.emailVerificationTtlMs,
    resendIntervalMs: deps.settings.accounts.resendIntervalMs,
  };
}
