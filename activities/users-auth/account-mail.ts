/** The account-mail activity: rebuilds the link from what is stored and mails it (SMTP takes no idempotency key). */
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import { mailAccountLink } from '../../services/users-auth/client.js';
import type { AccountMailInput } from '../../workflows/users-auth/messages.js';

export interface AccountMailDeps {
  sql: Sql;
  log: Logger;
  mailer: Mailer | null;
  publicUrl: string;
  /** The email-links key: verification links are signed with it, single-use links' secrets derived from it. */
  key: Buffer;
  verificationTtlMs: number;
  resetTtlMs: number;
  emailChangeTtlMs: number;
}

export function createAccountMailActivities(deps: AccountMailDeps) {
  return {
    sendAccountMail: (input: AccountMailInput) => mailAccountLink(deps, input),
  };
}
