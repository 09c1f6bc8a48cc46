/** Users-auth's part of the worker: the account-mail activity (verification, password-reset and email-change links). */
import { accountSettings, required } from '../../platform/config.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import { createMailer } from '../../platform/mail/mailer.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createAccountMailActivities } from './account-mail.js';

export const usersAuthFeature: WorkerFeature<WorkerDeps> = {
  name: 'users-auth',
  start: async ({ config, sql, log }) => {
    const accounts = accountSettings(config);
    return {
      activities: createAccountMailActivities({
        sql,
        log,
        mailer: config.SMTP_URL ? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }) : null,
        publicUrl: accounts.publicUrl,
        key: deriveKey(required(config, 'SECRET_KEY'), 'email-links'),
        verificationTtlMs: accounts.emailVerificationTtlMs,
        resetTtlMs: accounts.passwordResetTtlMs,
        emailChangeTtlMs: accounts.emailChangeTtlMs,
      }),
    };
  },
};
