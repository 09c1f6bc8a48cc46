/**
 * current-password.ts for an account that signs in by Telegram (one created from Telegram has a password nobody
 * knows): fresh Login Widget data for the Telegram account linked to this user, checked as a Telegram sign-in checks
 * it and admitted as one is (a code with two-factor on), a refusal counted as a sign-in guess against the same account
 * as a wrong password is.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { attemptSubjects } from '../security/client.js';
import type { SignInGuard } from './second-factor.js';
import { admit } from './sign-in.js';
import { telegramOf } from './telegram-accounts.js';
import { verifiedTelegramIdentity, type TelegramLoginSettings } from './telegram-identity.js';
import type { TelegramLoginData } from './telegram-login.js';
import { userWithSecretsById, type User } from './users-store.js';

export interface TelegramOwnerProof {
  userId: string;
  email: string;
  data: TelegramLoginData;
  totp?: string;
  ip: string;
}

/** The user the data proves the linked Telegram account of; else a DomainError naming `telegram_auth` (or `totp`). */
export async function proveLinkedTelegram(
  guard: SignInGuard,
  settings: TelegramLoginSettings | null,
  proof: TelegramOwnerProof,
): Promise<User> {
  try {
    return await guard.throttle.guard({
      subjects: attemptSubjects(guard.policies, 'login', proof.email, proof.ip),
      attempt: async () => {
        const identity = verifiedTelegramIdentity(settings, proof.data);
        if ((await telegramOf(guard.sql, proof.userId))?.telegramId !== identity.telegramId) {
          throw new DomainError(ErrorCode.Unauthenticated, 'the Telegram login is not the one linked to this account', [
            { path: 'id', message: 'is not the Telegram account linked to this user' },
          ]);
        }
        return admit(guard, (await userWithSecretsById(guard.sql, proof.userId))!, proof);
      },
      isFailure: (error) =>
        error instanceof DomainError && (error.code === ErrorCode.Unauthenticated || error.code === ErrorCode.TotpInvalid),
    });
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.Unauthenticated) {
      const reason = error.issues[0]?.message ?? 'is refused';
      throw new DomainError(ErrorCode.Unauthenticated, error.message, [{ path: 'telegram_auth', message: reason }]);
    }
    throw error;
  }
}
