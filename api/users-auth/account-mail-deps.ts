/** What sending account mail takes, from the API's dependencies (registration and the email routes both send it). */
import type { AccountMailer } from '../../services/users-auth/account-mail.js';
import type { EmailVerificationDeps } from '../../services/users-auth/email-verification.js';
import type { ApiDeps } from '../context.js';

export function emailVerificationDeps(deps: ApiDeps): EmailVerificationDeps {
  const mail: AccountMailer = { mailer: deps.mailer, publicUrl: deps.settings.accounts.publicUrl, log: deps.log };
  return {
    sql: deps.sql,
    key: deps.keys.emailLinks,
    mail,
    ttlMs: deps.settings.accounts.emailVerificationTtlMs,
    resendIntervalMs: deps.settings.accounts.resendIntervalMs,
  };
}
