/** What sending account mail takes, from the API's dependencies (registration and the email routes send it). */
import type { EmailChangeDeps } from '../../services/users-auth/email-change.js';
import { sendEmailVerification, type EmailVerificationDeps } from '../../services/users-auth/email-verification.js';
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

export function emailChangeDeps(deps: ApiDeps): EmailChangeDeps {
  return {
    sql: deps.sql,
    key: deps.keys.emailLinks,
    temporal: deps.temporal,
    ttlMs: deps.settings.accounts.emailChangeTtlMs,
    intervalMs: deps.settings.accounts.resendIntervalMs,
  };
}

/**
 * Has the verification link mailed to a new address after the answer: a slow mail server must not slow the request
 * that gave it (registration, an account made from Telegram adding its own); a failure is logged, and the user can ask
 * again (POST /v1/me/email-verification).
 */
export function mailVerificationAfterAnswer(deps: ApiDeps, userId: string): void {
  setImmediate(() => {
    sendEmailVerification(emailVerificationDeps(deps), userId).catch((error: unknown) =>
      deps.log.error({ err: error, user: userId }, 'verification mail failed'),
    );
  });
}
