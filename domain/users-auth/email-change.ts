/**
 * Which way an account's mail address changes, and what its notice shows. An account made from Telegram adds its first
 * address (POST /v1/me/email, with a password); an ordinary account changes its address (POST /v1/me/email-change),
 * applied once the link mailed to the new address is followed. Each route refuses the other's accounts, naming `email`.
 */
import { DomainError, ErrorCode } from '../errors.js';
import { isTelegramPlaceholder } from './telegram-placeholder.js';

export const mailboxSetAlready = () =>
  new DomainError(
    ErrorCode.Conflict,
    'this account has a mail address and password already: change the address with POST /v1/me/email-change',
    [{ path: 'email', message: 'is set already' }],
  );

/** Adding a first address is for an account made from Telegram only. */
export function refuseMailboxAddition(currentEmail: string): void {
  if (!isTelegramPlaceholder(currentEmail)) throw mailboxSetAlready();
}

/** Changing the address is for an account that has one, to another one. */
export function refuseEmailChange(currentEmail: string, newEmail: string): void {
  if (isTelegramPlaceholder(currentEmail)) {
    throw new DomainError(
      ErrorCode.Conflict,
      'this account was made from Telegram and has no address of its own yet: add one with POST /v1/me/email',
      [{ path: 'email', message: 'is added with POST /v1/me/email' }],
    );
  }
  if (newEmail === currentEmail) {
    throw new DomainError(ErrorCode.ValidationFailed, 'this is the address the account has', [
      { path: 'email', message: 'is the current address' },
    ]);
  }
}

/** A local part shorter than this shows no character: its first would be much or all of it (`a@…`, `ab@…`). */
const SHOWN_FROM_LENGTH = 4;

/**
 * The new address as the notice to the old one shows it: enough for the owner to tell their own from a stranger's,
 * not the whole of it, as the old mailbox may no longer be only theirs (`a***@example.com`).
 */
export function maskedEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return `${at >= SHOWN_FROM_LENGTH ? email[0] : ''}***${email.slice(at)}`;
}
