/**
 * An account made from Telegram adds its own mail address and password (POST /v1/me/email), and is refused a
 * withdrawal up front until it has: its placeholder address has no mailbox for the confirmation code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramLoginHash } from '../../services/users-auth/telegram-login.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ownNamespace } from '../support/own-namespace.js';
import { Authenticator } from '../support/authenticator.js';

const BOT_TOKEN = '7000004:AAE-bot-token-of-the-mailbox-tests';
const PASSWORD = 'my own long password';
let t: TestApp;
let temporal: Awaited<ReturnType<typeof ownNamespace>>;
beforeAll(async () => {
  t = await startTestApp();
  t.deps.settings.accounts.telegram = { botToken: BOT_TOKEN, maxAgeSeconds: 86_400 };
  // the verification mail starts with search attributes: a mail that cannot start is undone (its stamp put back)
  temporal = await ownNamespace();
  t.deps.temporal.client = temporal.client;
});
afterAll(async () => {
  await temporal?.close();
  await t?.close();
});

const widget = (id: number) => {
  const fields = { id, first_name: 'Ada', auth_date: Math.floor(Date.now() / 1000) };
  return { ...fields, hash: telegramLoginHash(BOT_TOKEN, fields) };
};
async function telegramAccount(id: number) {
  const signedIn = await t.api.post('/v1/auth/telegram', widget(id));
  expect(signedIn.status).toBe(200);
  return signedIn.body.access_token as string;
}
const addEmail = (token: string, body: object) => t.api.post('/v1/me/email', body, { token });
let n = 0;
const withdraw = (token: string) =>
  t.api.post(
    '/v1/withdrawals',
    { currency: 'ETH', amount: '0.01', address: '0x2222222222222222222222222222222222222222' },
    { token, headers: { 'idempotency-key': `mailbox-${++n}` } },
  );

describe('an account made from Telegram adding its own mail address', () => {
  it('becomes an ordinary account: the address (unverified, its link mailed) and the password sign in and prove the owner', async () => {
    const token = await telegramAccount(5001);
    const added = await addEmail(token, { email: 'Ada@Example.com', password: PASSWORD, telegram_auth: widget(5001) });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ email: 'ada@example.com', email_verified: false });
    // the verification link went out (sendEmailVerification stamps the row as it starts the mail)
    await expect
      .poll(
        async () => (await t.db.sql`select verification_mail_at from users where id = ${added.body.id}`)[0]!.verificationMailAt,
      )
      .not.toBeNull();
    const [event] = await t.db.sql`select kind from security_events where user_id = ${added.body.id} and kind = 'email_added'`;
    expect(event).toBeDefined();

    // the session that added it goes on
    expect((await t.api.get('/v1/me', { token })).body.email).toBe('ada@example.com');
    const byPassword = await t.api.login('ada@example.com', PASSWORD);
    expect((await t.api.get('/v1/me', { token: byPassword })).body.id).toBe(added.body.id);
    // the password is now the owner proof; Telegram's data no longer is
    const unlink = (body: object) => t.api.request('DELETE', '/v1/me/telegram', body, { token });
    expect(await unlink({ telegram_auth: widget(5001) })).toMatchObject({
      status: 401,
      body: { errors: [{ path: 'telegram_auth' }] },
    });
    // Telegram still signs in, and is no longer the only way in: it may be unlinked
    const byTelegram = await t.api.post('/v1/auth/telegram', widget(5001));
    expect((await t.api.get('/v1/me', { token: byTelegram.body.access_token })).body.id).toBe(added.body.id);
    expect((await unlink({ current_password: PASSWORD })).status).toBe(204);
    // once: the address is its own now
    const again = await addEmail(byPassword, { email: 'ada2@example.com', password: PASSWORD, current_password: PASSWORD });
    expect(again).toMatchObject({
      status: 409,
      body: { code: 'conflict', errors: [{ path: 'email', message: 'is set already' }] },
    });
  });

  it('refuses an address taken or reserved, a weak password, a wrong proof, and any account not made from Telegram', async () => {
    const token = await telegramAccount(5002);
    const other = await t.api.signUp('taken@example.com');
    const proof = { telegram_auth: widget(5002) };

    const taken = await addEmail(token, { email: 'TAKEN@example.com', password: PASSWORD, ...proof });
    expect(taken).toMatchObject({ status: 409, body: { code: 'email_taken', errors: [{ path: 'email', message: 'is taken' }] } });
    const placeholder = await addEmail(token, { email: 'telegram-9@telegram.invalid', password: PASSWORD, ...proof });
    expect(placeholder).toMatchObject({ status: 400, body: { errors: [{ path: 'email' }] } });
    const weak = await addEmail(token, { email: 'ada5002@example.com', password: 'short', ...proof });
    expect(weak).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'password', message: 'must have at least 12 characters' }] },
    });
    expect(await addEmail(token, { email: 'ada5002@example.com', password: PASSWORD })).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'current_password' }] },
    });
    const otherTelegram = await addEmail(token, {
      email: 'ada5002@example.com',
      password: PASSWORD,
      telegram_auth: widget(5003),
    });
    expect(otherTelegram).toMatchObject({ status: 401, body: { errors: [{ path: 'telegram_auth' }] } });
    const ordinary = await addEmail(other.token, {
      email: 'elsewhere@example.com',
      password: PASSWORD,
      current_password: 'a long enough password',
    });
    expect(ordinary).toMatchObject({ status: 409, body: { code: 'conflict', errors: [{ path: 'email' }] } });

    // nothing of it changed the account
    expect((await t.api.get('/v1/me', { token })).body.email).toBe('telegram-5002@telegram.invalid');
    expect((await t.api.get('/v1/me', { token: other.token })).body.email).toBe('taken@example.com');
  });

  it('counts each taken address it tells against the account, so it is no faster oracle than registration', async () => {
    const token = await telegramAccount(5006);
    await t.api.signUp('probed-5006@example.com');
    const ask = (email: string) => addEmail(token, { email, password: PASSWORD, telegram_auth: widget(5006) });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await ask('probed-5006@example.com')).status);
    // LOGIN_FREE_FAILURES (3) answered, then a wait, for any address
    expect(statuses).toEqual([409, 409, 409, 429, 429]);
    expect((await ask('ada5006@example.com')).status).toBe(429);
  });

  it('asks the code too with two-factor on', async () => {
    const token = await telegramAccount(5004);
    const enrolled = await t.api.post('/v1/auth/totp/enroll', { telegram_auth: widget(5004) }, { token });
    const app = new Authenticator(enrolled.body.secret as string);
    await t.api.post('/v1/auth/totp/verify', { code: await app.code(), telegram_auth: widget(5004) }, { token });
    const body = { email: 'ada5004@example.com', password: PASSWORD, telegram_auth: widget(5004) };
    expect(await addEmail(token, body)).toMatchObject({ status: 401, body: { code: 'totp_required' } });
    expect((await addEmail(token, { ...body, totp: await app.code() })).status).toBe(200);
  });
});

describe('a withdrawal of an account made from Telegram', () => {
  it('is refused up front until the account has its own address, which could receive the code', async () => {
    const token = await telegramAccount(5005);
    const refused = await withdraw(token);
    expect(refused).toMatchObject({ status: 403, body: { code: 'email_address_required' } });
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(
      await t.db.sql`select 1 from withdrawals w join telegram_accounts a using (user_id) where a.telegram_id = 5005`,
    ).toHaveLength(0);

    await addEmail(token, { email: 'ada5005@example.com', password: PASSWORD, telegram_auth: widget(5005) });
    expect((await withdraw(token)).body.code).toBe('insufficient_funds'); // past the address rule
  });
});
