/**
 * An account made from Telegram takes a mail address and a password of its own, together: its placeholder address has
 * no mailbox and its password nobody knows, so until then it can verify no email and receive no withdrawal code. After
 * it the account is an ordinary one: the address (unverified until its link is opened) and the password sign in and
 * prove the owner, and Telegram, still linked, is no longer its only way in.
 */
import { hashPassword } from '../../platform/crypto/passwords.js';
import type { Db } from '../../platform/db/client.js';
import { mailboxSetAlready, refuseMailboxAddition } from '../../domain/users-auth/email-change.js';
import { PLACEHOLDER_DOMAIN } from '../../domain/users-auth/telegram-placeholder.js';
import { refuseTakenEmail, takingEmail } from './taken-email.js';

/** Refuses what cannot succeed before the owner proof spends a code on it: an ordinary account, an address taken. */
export async function refuseMailboxChange(db: Db, account: { email: string }, email: string): Promise<void> {
  refuseMailboxAddition(account.email);
  await refuseTakenEmail(db, email);
}

/**
 * Gives the account made from Telegram its address, unverified (an operator's mark on the placeholder proves nothing
 * about it, and its link is to be mailed at once), and its password. Sessions stay: they were the owner's, and no
 * password they could have known changed.
 */
export async function addMailbox(db: Db, userId: string, mailbox: { email: string; password: string }): Promise<void> {
  const passwordHash = await hashPassword(mailbox.password);
  const rows = await takingEmail(
    () => db`
      update users set email = ${mailbox.email}, password_hash = ${passwordHash}, email_verified_at = null,
        verification_mail_at = null
      where id = ${userId} and email like ${`%${PLACEHOLDER_DOMAIN}`}
      returning 1`,
  );
  if (rows.length === 0) throw mailboxSetAlready(); // a concurrent request added one
}
