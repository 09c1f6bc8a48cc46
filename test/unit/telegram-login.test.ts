import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { checkTelegramLogin, telegramLoginHash } from '../../services/users-auth/telegram-login.js';

const BOT_TOKEN = '123456789:AAH-test-token-for-the-login-widget';
const now = 1_764_547_200_000;
const data = { id: 424242, first_name: 'Ada', username: 'ada_l', auth_date: now / 1000 - 60 };

/** Telegram's recipe, spelled out independently of the code under test. */
function signedAsTelegramDoes(fields: Record<string, string | number>) {
  const dataCheckString = `auth_date=${fields.auth_date}\nfirst_name=${fields.first_name}\nid=${fields.id}\nusername=${fields.username}`;
  const secret = createHash('sha256').update(BOT_TOKEN).digest();
  return { ...fields, hash: createHmac('sha256', secret).update(dataCheckString).digest('hex') };
}

describe('Telegram Login Widget check', () => {
  it('accepts data signed with the bot token, as Telegram documents', () => {
    const signed = signedAsTelegramDoes(data);
    expect(telegramLoginHash(BOT_TOKEN, data)).toBe(signed.hash);
    expect(checkTelegramLogin(BOT_TOKEN, signed, 86_400, now)).toEqual({ ok: true, telegramId: '424242', username: 'ada_l' });
  });

  it('refuses a forged hash, a changed field, another bot’s signature, and old data', () => {
    const signed = signedAsTelegramDoes(data);
    expect(checkTelegramLogin(BOT_TOKEN, { ...signed, hash: 'f'.repeat(64) }, 86_400, now)).toEqual({
      ok: false,
      reason: 'hash',
    });
    expect(checkTelegramLogin(BOT_TOKEN, { ...signed, id: 1 }, 86_400, now)).toEqual({ ok: false, reason: 'hash' });
    expect(checkTelegramLogin(BOT_TOKEN, { ...signed, last_name: 'Lovelace' }, 86_400, now)).toEqual({
      ok: false,
      reason: 'hash',
    });
    expect(checkTelegramLogin('987:another-bot-token-entirely', signed, 86_400, now)).toEqual({ ok: false, reason: 'hash' });
    expect(checkTelegramLogin(BOT_TOKEN, signed, 30, now)).toEqual({ ok: false, reason: 'expired' });
    expect(checkTelegramLogin(BOT_TOKEN, { ...signed, hash: 'nothex' }, 86_400, now)).toEqual({ ok: false, reason: 'malformed' });
  });
});
