/** The mail users-auth sends about an account: the email-verification link and the password-reset link. */
import type { Logger } from '../../platform/log.js';
import type { Mailer } from '../../platform/mail/mailer.js';

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
      `${m.publicUrl}/reset-password?token=${token}\n\nThe link works once, for ${hours(ttlMs)}, and signs every ` +
      `session out. If you did not ask for it, ignore this mail: your password stays as it is.\n`,
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
