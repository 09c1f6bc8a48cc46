/**
 * Telegram Login Widget data, checked as Telegram documents it (core.telegram.org/widgets/login#checking-authorization):
 * the data-check-string is every received field but `hash`, as `key=value`, sorted by key, joined by newlines; the
 * hash must be its HMAC-SHA256 (hex) keyed by SHA-256 of the bot token; `auth_date` must be recent, or an old
 * login, once leaked, would work forever.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export type TelegramLoginData = Record<string, string | number>;

export type TelegramLoginCheck =
  { ok: true; telegramId: string; username: string | null } | { ok: false; reason: 'hash' | 'expired' | 'malformed' };

export function checkTelegramLogin(
  botToken: string,
  data: TelegramLoginData,
  maxAgeSeconds: number,
  now = Date.now(),
): TelegramLoginCheck {
  const { hash, ...fields } = data;
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) return { ok: false, reason: 'malformed' };
  const expected = telegramLoginHash(botToken, fields);
  if (!timingSafeEqual(Buffer.from(hash, 'hex'), Buffer.from(expected, 'hex'))) return { ok: false, reason: 'hash' };
  const authDate = Number(fields.auth_date);
  if (!Number.isInteger(authDate) || !/^\d{1,19}$/.test(String(fields.id))) return { ok: false, reason: 'malformed' };
  if (now / 1000 - authDate > maxAgeSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, telegramId: String(fields.id), username: fields.username === undefined ? null : String(fields.username) };
}

/** The hash Telegram computes for these fields (tests sign with it, standing in for Telegram). */
export function telegramLoginHash(botToken: string, fields: TelegramLoginData): string {
  const dataCheckString = Object.keys(fields)
    .sort()
    .map((key) => `${key}=${fields[key]}`)
    .join('\n');
  const secret = createHash('sha256').update(botToken).digest();
  return createHmac('sha256', secret).update(dataCheckString).digest('hex');
}
