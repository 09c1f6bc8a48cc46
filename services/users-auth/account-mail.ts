/**
 * The mail users-auth sends about an account: the email-verification link, the password-reset link, and a change of
 * mail address (its confirmation link to the new address, a notice to the old one). The API starts an account-mail
 * workflow for each (startAccountMails), whose activity rebuilds the link and mails it, retried until the mail server
 * takes it; the link's secret never enters the workflow's input.
 */
import { maskedEmail } from '../../domain/users-auth/email-change.js';
import { assertExhaustive } from '../../domain/errors.js';
import type { Logger } from '../../platform/log.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  accountMailSearchAttributes,
  accountMailWorkflowId,
  accountMailWorkflowType,
  type AccountMailInput,
  type AccountMailWorkflow,
} from '../../workflows/users-auth/messages.js';
import { emailVerificationToken } from './email-links.js';
import { linkToken } from './single-use-links.js';

export interface AccountMailer {
  mailer: Mailer | null;
  /** The page links point to; it takes the token and sends it to the API. */
  publicUrl: string;
  log: Logger;
}

export async function mailEmailVerification(m: AccountMailer, to: string, token: string, ttlMs: number): Promise<void> {
  await send(m, {
    to,
    subject: 'Confirm your email address',
    text:
      `Confirm this email address for your Sluice account by opening this link:\n\n` +
      `${m.publicUrl}/verify-email?token=${token}\n\nThe link works for ${hours(ttlMs)}. ` +
      `Until the address is confirmed you can sign in, but not withdraw.\n`,
  });
}

export async function mailPasswordReset(m: AccountMailer, to: string, token: string, ttlMs: number): Promise<void> {
  await send(m, {
    to,
    subject: 'Reset your password',
    text:
      `Someone (we hope you) asked to reset the password of your Sluice account. To choose a new one, open:\n\n` +
      `${m.publicUrl}/reset-password?token=${token}\n\nThe link works once, for ${hours(ttlMs)}. Using it signs every ` +
      `session out, revokes every API key of the account and unlinks its Telegram account: create new keys, and ` +
      `link Telegram again, after the reset. Two-factor ` +
      `authentication, if it is on, stays on: signing in still needs your authenticator's code. If you lost your ` +
      `authenticator, or two-factor is on and you never turned it on, contact support: an administrator can turn it ` +
      `off once they have confirmed the account is yours. If you did not ask for this reset, ignore this mail: your ` +
      `password, keys and Telegram link stay as they are.\n`,
  });
}

export async function mailEmailChange(m: AccountMailer, to: string, token: string, ttlMs: number): Promise<void> {
  await send(m, {
    to,
    subject: 'Confirm your new email address',
    text:
      `Someone (we hope you) asked to make this the email address of a Sluice account. To confirm it, open:\n\n` +
      `${m.publicUrl}/confirm-email-change?token=${token}\n\nThe link works once, for ${hours(ttlMs)}. Confirming signs ` +
      `every session of the account out: sign in again with this address. If you did not ask for this, ignore this ` +
      `mail: nothing changes.\n`,
  });
}

export async function mailEmailChangeNotice(m: AccountMailer, to: string, newEmail: string): Promise<void> {
  await send(m, {
    to,
    subject: 'A change of your email address was asked',
    text:
      `Someone who knew your Sluice account's password asked to change its email address to ${maskedEmail(newEmail)}. ` +
      `The change happens only once it is confirmed from that address; nothing in this mail finishes it. If it was ` +
      `you, there is nothing to do here. If it was not, change your password now (or ask for a reset link): ` +
      `a new password cancels every change of address not yet confirmed, and signs every session out.\n`,
  });
}

async function send(m: AccountMailer, message: { to: string; subject: string; text: string }): Promise<void> {
  if (!m.mailer) {
    m.log.warn({ to: message.to, subject: message.subject }, 'SMTP_URL is not set: account mail not sent');
    return;
  }
  await m.mailer.send(message);
}

const hours = (ms: number) => (ms >= 7_200_000 ? `${Math.round(ms / 3_600_000)} hours` : `${Math.round(ms / 60_000)} minutes`);

/**
 * Starts the workflows that mail what a request just stored (a link, the stamp of a mail sent), in order; should one
 * not start (Temporal unreachable), `undo` removes what was stored and the error is thrown. So a refused request
 * leaves nothing waiting for a mail that is not on its way, nor throttles asking again.
 */
export async function startAccountMails(
  temporal: TemporalTarget,
  inputs: AccountMailInput[],
  undo: () => Promise<unknown>,
): Promise<void> {
  try {
    for (const input of inputs) await startAccountMail(temporal, input);
  } catch (error) {
    await undo();
    throw error;
  }
}

/** Starts the workflow that mails this link; starting it again for the same link joins the first. */
async function startAccountMail(temporal: TemporalTarget, input: AccountMailInput): Promise<void> {
  await temporal.client.workflow.start<AccountMailWorkflow>(accountMailWorkflowType, {
    taskQueue: temporal.taskQueue,
    workflowId: accountMailWorkflowId(input),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [input],
    typedSearchAttributes: accountMailSearchAttributes,
  });
}

/** The activity's work: the link rebuilt from the input and the key, mailed. */
export async function mailAccountLink(
  deps: AccountMailer & { key: Buffer; verificationTtlMs: number; resetTtlMs: number; emailChangeTtlMs: number },
  input: AccountMailInput,
): Promise<void> {
  switch (input.kind) {
    case 'email-verification': {
      const token = emailVerificationToken(deps.key, { id: input.userId, email: input.email }, new Date(input.expiresAt));
      return mailEmailVerification(deps, input.email, token, deps.verificationTtlMs);
    }
    case 'password-reset':
      return mailPasswordReset(deps, input.email, linkToken(deps.key, 'password-reset', input.resetId), deps.resetTtlMs);
    case 'email-change':
      return mailEmailChange(deps, input.email, linkToken(deps.key, 'email-change', input.changeId), deps.emailChangeTtlMs);
    case 'email-change-notice':
      return mailEmailChangeNotice(deps, input.email, input.newEmail);
    default:
      return assertExhaustive(input);
  }
}
