/** Telegram sign-in and linking on the real stack, with Login Widget data signed as Telegram signs it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramLoginHash } from '../../services/users-auth/telegram-login.js';
import { mailTo, startStack, type Stack } from '../support/stack.js';

const BOT_TOKEN = '7000001:AAE-bot-token-of-the-e2e-tests';
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ mailSink: true, env: { TELEGRAM_BOT_TOKEN: BOT_TOKEN, PUBLIC_URL: 'https://app.example' } });
});
afterAll(() => stack?.stop());

/** What the widget hands the page after the user confirms in Telegram. */
function widgetData(id: number, extra: Record<string, string | number> = {}) {
  const fields = { id, first_name: 'Grace', username: `grace${id}`, auth_date: Math.floor(Date.now() / 1000), ...extra };
  return { ...fields, hash: telegramLoginHash(BOT_TOKEN, fields) };
}

describe('Telegram', () => {
  it('creates an account on first sign-in and signs the same account in again', async () => {
    const first = await stack.api.post('/v1/auth/telegram', widgetData(1001));
    expect(first.status).toBe(200);
    const me = await stack.api.get('/v1/me', { token: first.body.access_token });
    expect(me.body).toMatchObject({ email: 'telegram-1001@telegram.invalid', email_verified: false, role: 'user' });
    const again = await stack.api.post('/v1/auth/telegram', widgetData(1001));
    expect((await stack.api.get('/v1/me', { token: again.body.access_token })).body.id).toBe(me.body.id);
    const proof = { telegram_auth: widgetData(1001) }; // its owner proof: it has no password of its own
    const unlink = await stack.api.request('DELETE', '/v1/me/telegram', proof, { token: first.body.access_token });
    expect(unlink.status).toBe(409); // Telegram is this account's only way in
  });

  it('refuses login data with a forged hash, a changed field or an old auth_date', async () => {
    const forged = await stack.api.post('/v1/auth/telegram', { ...widgetData(1002), hash: 'ab'.repeat(32) });
    expect(forged.status).toBe(401);
    expect(forged.body.errors).toEqual([{ path: 'hash', message: 'does not match' }]);
    const changed = await stack.api.post('/v1/auth/telegram', { ...widgetData(1002), id: 1003 });
    expect(changed.status).toBe(401);
    const old = await stack.api.post(
      '/v1/auth/telegram',
      widgetData(1002, { auth_date: Math.floor(Date.now() / 1000) - 2 * 86_400 }),
    );
    expect(old.status).toBe(401);
    expect(old.body.errors).toEqual([{ path: 'auth_date', message: 'is too old' }]);
    const malformed = await stack.api.post('/v1/auth/telegram', { ...widgetData(1002), hash: 'nope' });
    expect(malformed.status).toBe(400);
    const users = await stack.db.sql`select 1 from telegram_accounts where telegram_id = 1002 or telegram_id = 1003`;
    expect(users).toHaveLength(0);
  });

  it('links Telegram to an existing account and unlinks it', async () => {
    const user = await stack.api.signUp('linker@example.com');
    const other = await stack.api.signUp('other-linker@example.com');
    const link = (token: string) =>
      stack.api.post('/v1/me/telegram', { ...widgetData(2001), current_password: 'a long enough password' }, { token });
    const linked = await link(user.token);
    expect(linked.body).toEqual({ telegram_id: '2001', username: 'grace2001' });
    expect((await link(other.token)).status).toBe(409);

    const viaTelegram = await stack.api.post('/v1/auth/telegram', widgetData(2001));
    expect((await stack.api.get('/v1/me', { token: viaTelegram.body.access_token })).body.id).toBe(user.id);

    const unlink = () =>
      stack.api.request('DELETE', '/v1/me/telegram', { current_password: 'a long enough password' }, { token: user.token });
    expect((await unlink()).status).toBe(204);
    expect((await unlink()).status).toBe(404);
    // unlinked: the same Telegram account now makes an account of its own
    const fresh = await stack.api.post('/v1/auth/telegram', widgetData(2001));
    expect((await stack.api.get('/v1/me', { token: fresh.body.access_token })).body.id).not.toBe(user.id);
  });

  it('gives an account made from Telegram a mailbox: the link mailed to its new address verifies it', async () => {
    const signedIn = await stack.api.post('/v1/auth/telegram', widgetData(3001));
    const token = signedIn.body.access_token as string;
    const added = await stack.api.post(
      '/v1/me/email',
      { email: 'grace3001@example.com', password: 'a password of her own', telegram_auth: widgetData(3001) },
      { token },
    );
    expect(added.body).toMatchObject({ email: 'grace3001@example.com', email_verified: false });
    const mail = await mailTo(stack, 'grace3001@example.com', /confirm your email/i);
    const link = /https:\/\/app\.example\/verify-email\?token=([A-Za-z0-9_.-]+)/.exec(mail.text)![1]!;
    expect((await stack.api.post('/v1/auth/verify-email', { token: link })).body).toEqual({ email_verified: true });
    const byPassword = await stack.api.login('grace3001@example.com', 'a password of her own');
    expect((await stack.api.get('/v1/me', { token: byPassword })).body).toMatchObject({
      id: added.body.id,
      email_verified: true,
    });
  });
});
