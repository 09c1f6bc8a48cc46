/**
 * Login Widget data turned into the Telegram identity it proves, or the refusal naming the field at fault: the one
 * check a Telegram sign-in, a link and a Telegram proof of ownership all go through.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { TelegramIdentity } from './telegram-accounts.js';
import { checkTelegramLogin, type TelegramLoginData } from './telegram-login.js';

/** The bot whose token signs the widget's data, and how old a login may be. */
export interface TelegramLoginSettings {
  botToken: string;
  maxAgeSeconds: number;
}

export function verifiedTelegramIdentity(settings: TelegramLoginSettings | null, data: TelegramLoginData): TelegramIdentity {
  if (!settings) throw new DomainError(ErrorCode.Unavailable, 'Telegram sign-in is not configured (TELEGRAM_BOT_TOKEN)');
  const checked = checkTelegramLogin(settings.botToken, data, settings.maxAgeSeconds);
  if (checked.ok) return { telegramId: checked.telegramId, username: checked.username };
  if (checked.reason === 'expired') {
    throw new DomainError(ErrorCode.Unauthenticated, 'the Telegram login is too old: sign in again', [
      { path: 'auth_date', message: 'is too old' },
    ]);
  }
  throw new DomainError(ErrorCode.Unauthenticated, 'the Telegram login data is not signed by our bot', [
    { path: 'hash', message: 'does not match' },
  ]);
}
