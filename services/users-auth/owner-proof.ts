/**
 * The one proof every step-up asks for before a change to how the user signs in or what signs in for them (an API
 * key, an IP allow-list, linking or unlinking Telegram, enrolling two-factor, a new mail address): the current password
 * (current-password.ts) or, for an account made from Telegram, which has no password of its own, fresh Login Widget
 * data for its linked Telegram account (telegram-owner-proof.ts); either way a code with two-factor on, and a refusal
 * counted as a sign-in guess. An access token alone, stolen from a browser or a log, proves nothing.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { proveCurrentPassword } from './current-password.js';
import type { SignInGuard } from './second-factor.js';
import { isTelegramPlaceholder } from '../../domain/users-auth/telegram-placeholder.js';
import type { TelegramLoginSettings } from './telegram-identity.js';
import type { TelegramLoginData } from './telegram-login.js';
import { proveLinkedTelegram } from './telegram-owner-proof.js';
import type { User } from './users-store.js';

export interface OwnerProof {
  userId: string;
  email: string;
  ip: string;
  /** Exactly one of the password and the Telegram data (the API's schema sees to it). */
  password?: string;
  telegramAuth?: TelegramLoginData;
  totp?: string;
}

/** The user the proof signs in, or a DomainError naming the field at fault. */
export async function proveOwner(guard: SignInGuard, telegram: TelegramLoginSettings | null, proof: OwnerProof): Promise<User> {
  const { userId, email, ip, totp } = proof;
  if (proof.telegramAuth === undefined) return proveCurrentPassword(guard, { email, password: proof.password ?? '', totp, ip });
  // an account with a password of its own proves it: a Telegram account linked to it is a second way in, not the owner
  // (a 401 as any proof that is not the owner's: the request is well formed, the account decides)
  if (!isTelegramPlaceholder(email)) {
    throw new DomainError(ErrorCode.Unauthenticated, 'this account has a password: prove it with current_password', [
      { path: 'telegram_auth', message: 'is only for accounts made from Telegram: give current_password' },
    ]);
  }
  return proveLinkedTelegram(guard, telegram, { userId, email, data: proof.telegramAuth, totp, ip });
}
