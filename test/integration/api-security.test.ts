/** Who may do what: tokens, roles, refresh rotation, TOTP, signed API keys and IP allow-lists. */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCidr } from '../../services/users-auth/ip-allowlist.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { Authenticator } from '../support/authenticator.js';
import { telegramLoginHash } from '../../services/users-auth/telegram-login.js';
import { signedHeaders } from '../support/signed-request.js';
import { requestPasswordReset } from '../../services/users-auth/password-reset.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

/** The request's client address (the test app trusts X-Forwarded-For). */
const from = (ip: string) => ({ 'x-forwarded-for': ip });

describe('roles and tokens', () => {
  it('refuses protected routes without a valid token', async () => {
    for (const path of ['/v1/balances', '/v1/me', '/v1/ledger/transfers', '/v1/deposits', '/v1/notifications']) {
      expect((await t.api.get(path)).status).toBe(401);
      expect((await t.api.get(path, { token: 'not-a-jwt' })).status).toBe(401);
    }
    const forged = (await t.api.signUp('forger@example.com')).token.slice(0, -4) + 'AAAA';
    expect((await t.api.get('/v1/me', { token: forged })).status).toBe(401);
  });

  it('keeps operator routes from users, and role changes for admins', async () => {
    const user = await t.api.signUp('plain@example.com');
    const operator = await t.api.signUp('operator@example.com');
    expect((await t.api.get('/v1/ops/users', { token: user.token })).body.code).toBe('forbidden');
    expect(
      (
        await t.api.post(
          '/v1/ops/adjustments',
          { user_id: user.id, currency: 'USD', amount: '1.00', reason: 'self-help' },
          { token: user.token, headers: { 'idempotency-key': 'x' } },
        )
      ).status,
    ).toBe(403);
    const promoted = await t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'operator' }, { token: t.admin.token });
    expect(promoted.body.role).toBe('operator');
    // the role applies at once: the user row is read on every request
    expect((await t.api.get('/v1/ops/users', { token: operator.token })).status).toBe(200);
    expect((await t.api.put(`/v1/ops/users/${user.id}/role`, { role: 'admin' }, { token: operator.token })).status).toBe(403);
    expect((await t.api.put(`/v1/ops/users/${t.admin.id}/role`, { role: 'user' }, { token: t.admin.token })).status).toBe(400);
  });

  it('rotates refresh tokens and revokes the family when one is reused', async () => {
    await t.api.signUp('rotate@example.com');
    const first = await t.api.post('/v1/auth/token', { email: 'rotate@example.com', password: 'a long enough password' });
    const second = await t.api.post('/v1/auth/refresh', { refresh_token: first.body.refresh_token });
    expect(second.status).toBe(200);
    expect((await t.api.get('/v1/me', { token: second.body.access_token })).status).toBe(200);
    const replay = await t.api.post('/v1/auth/refresh', { refresh_token: first.body.refresh_token });
    expect(replay.status).toBe(401);
    expect(replay.body.detail).toContain('reused');
    // the thief's replay revoked the legitimate chain too
    expect((await t.api.post('/v1/auth/refresh', { refresh_token: second.body.refresh_token })).status).toBe(401);
    expect((await t.api.post('/v1/auth/refresh', { refresh_token: second.body.access_token })).status).toBe(401);
  });

  it('revokes the winner of two concurrent refreshes with one token too: no token of the family outlives the reuse', async () => {
    await t.api.signUp('race@example.com');
    for (let round = 0; round < 20; round++) {
      const signedIn = await t.api.post('/v1/auth/token', { email: 'race@example.com', password: 'a long enough password' });
      const both = await Promise.all(
        [1, 2].map(() => t.api.post('/v1/auth/refresh', { refresh_token: signedIn.body.refresh_token })),
      );
      expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
      const winner = both.find((r) => r.status === 200)!;
      expect(both.find((r) => r.status === 401)!.body.detail).toContain('reused');
      // the reuse came after the rotation, so the family it revoked holds the winner's new token
      expect((await t.api.post('/v1/auth/refresh', { refresh_token: winner.body.refresh_token })).status, `round ${round}`).toBe(
        401,
      );
    }
  });
});

const PASSWORD = { current_password: 'a long enough password' };

describe('two-factor authentication', () => {
  it('enrols, then requires the code at login, and turns off with the owner proof and a code', async () => {
    const user = await t.api.signUp('totp@example.com');
    const enrolled = await t.api.post('/v1/auth/totp/enroll', PASSWORD, { token: user.token });
    expect(enrolled.body.otpauth_url).toMatch(/^otpauth:\/\/totp\/Sluice:totp%40example.com\?/);
    expect((await t.api.post('/v1/auth/totp/verify', { code: '000000', ...PASSWORD }, { token: user.token })).body.code).toBe(
      'totp_invalid',
    );
    const app = new Authenticator(enrolled.body.secret as string);
    expect(
      (await t.api.post('/v1/auth/totp/verify', { code: await app.code(), ...PASSWORD }, { token: user.token })).body,
    ).toEqual({
      totp_enabled: true,
    });

    const login = { email: 'totp@example.com', password: 'a long enough password' };
    // every refusal for a missing code names the field, as POST /v1/api-keys's does
    const missing = { code: 'totp_required', errors: [{ path: 'totp', message: 'is required' }] };
    expect((await t.api.post('/v1/auth/token', login)).body).toMatchObject(missing);
    const change = { current_password: login.password, new_password: 'a brand new password' };
    expect((await t.api.put('/v1/me/password', change, { token: user.token })).body).toMatchObject(missing);
    expect((await t.api.post('/v1/auth/token', { ...login, totp: '123456' })).body.code).toBe('totp_invalid');
    expect((await t.api.post('/v1/auth/token', { ...login, totp: await app.code() })).status).toBe(200);
    expect((await t.api.post('/v1/auth/totp/enroll', PASSWORD, { token: user.token })).status).toBe(409);

    // turning it off is the owner's change too: an access token and a code alone turn nothing off
    const disable = (body: object) => t.api.post('/v1/auth/totp/disable', body, { token: user.token });
    expect(await disable({ totp: await app.code() })).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'current_password' }] },
    });
    expect(await disable(PASSWORD)).toMatchObject({ status: 401, body: missing });
    expect((await disable({ ...PASSWORD, totp: await app.code() })).body).toEqual({ totp_enabled: false });
    expect((await t.api.post('/v1/auth/token', login)).status).toBe(200);
  });

  it('accepts a code once: the one that confirmed enrolment or signed in is refused after as a wrong one, one of two at once wins', async () => {
    const user = await t.api.signUp('totp-once@example.com');
    const enrolled = await t.api.post('/v1/auth/totp/enroll', PASSWORD, { token: user.token });
    const app = new Authenticator(enrolled.body.secret as string);
    const enrolling = await app.code();
    expect((await t.api.post('/v1/auth/totp/verify', { code: enrolling, ...PASSWORD }, { token: user.token })).status).toBe(200);

    const login = { email: user.email, password: 'a long enough password' };
    const refused = { code: 'totp_invalid', errors: [{ path: 'totp', message: 'is wrong, expired or already used' }] };
    expect(await t.api.post('/v1/auth/token', { ...login, totp: enrolling })).toMatchObject({ status: 401, body: refused });

    const next = await app.code();
    const both = await Promise.all([1, 2].map(() => t.api.post('/v1/auth/token', { ...login, totp: next })));
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    expect(both.find((r) => r.status === 401)!.body).toMatchObject(refused);
    // nor does a used code create an API key or change the password
    expect(await t.api.createApiKey(user, { name: 'bot', totp: next })).toMatchObject({
      status: 401,
      body: refused,
    });
    const change = { current_password: login.password, new_password: 'a brand new password', totp: next };
    expect(await t.api.put('/v1/me/password', change, { token: user.token })).toMatchObject({ status: 401, body: refused });
  });
  it('enrols and confirms only with the current password: an access token alone turns nothing on', async () => {
    const user = await t.api.signUp('totp-thief@example.com');
    const missing = await t.api.post('/v1/auth/totp/enroll', {}, { token: user.token });
    expect(missing).toMatchObject({ status: 400, body: { errors: [{ path: 'current_password' }] } });
    const wrong = { current_password: 'a guessed password' };
    const refused = { code: 'unauthenticated', errors: [{ path: 'current_password', message: 'is wrong' }] };
    expect(await t.api.post('/v1/auth/totp/enroll', wrong, { token: user.token })).toMatchObject({ status: 401, body: refused });
    // nothing was enrolled, so there is nothing to confirm
    expect((await t.api.post('/v1/auth/totp/verify', { code: '123456', ...PASSWORD }, { token: user.token })).status).toBe(409);

    const enrolled = await t.api.post('/v1/auth/totp/enroll', PASSWORD, { token: user.token });
    const app = new Authenticator(enrolled.body.secret as string);
    const verify = (body: object) => t.api.post('/v1/auth/totp/verify', body, { token: user.token });
    expect((await verify({ code: await app.code() })).body.errors).toMatchObject([{ path: 'current_password' }]);
    expect(await verify({ code: await app.code(), ...wrong })).toMatchObject({ status: 401, body: refused });
    // the wrong password is a sign-in guess, counted against the account as one at /v1/auth/token is (the right one
    // at enrolment forgot the first)
    const [counted] = await t.db.sql`select failures from auth_throttle where key = ${'login-account:' + user.email}`;
    expect(counted!.failures).toBe(1);
    expect((await t.api.get('/v1/me', { token: user.token })).body.totp_enabled).toBe(false);
    expect((await verify({ code: await app.code(), ...PASSWORD })).body).toEqual({ totp_enabled: true });
  });

  it('enrols an account made from Telegram with fresh widget data for its own Telegram account instead of a password', async () => {
    const botToken = '7000003:AAE-bot-token-of-the-integration-tests';
    t.deps.settings.accounts.telegram = { botToken, maxAgeSeconds: 86_400 };
    const widget = (id: number, authDate = Math.floor(Date.now() / 1000)) => {
      const fields = { id, first_name: 'Ada', auth_date: authDate };
      return { ...fields, hash: telegramLoginHash(botToken, fields) };
    };
    try {
      const signedIn = await t.api.post('/v1/auth/telegram', widget(4001));
      const token = signedIn.body.access_token as string;
      const email = (await t.api.get('/v1/me', { token })).body.email as string;
      await t.api.post('/v1/auth/telegram', widget(4002)); // another user's Telegram account
      const enroll = (body: object) => t.api.post('/v1/auth/totp/enroll', body, { token });

      const refusedAs = (message: string) => ({
        status: 401,
        body: { code: 'unauthenticated', errors: [{ path: 'telegram_auth', message }] },
      });
      expect(await enroll({ telegram_auth: widget(4002) })).toMatchObject(
        refusedAs('is not the Telegram account linked to this user'),
      );
      const stale = widget(4001, Math.floor(Date.now() / 1000) - 2 * 86_400);
      expect(await enroll({ telegram_auth: stale })).toMatchObject(refusedAs('is too old'));
      // each refusal is a sign-in guess against the account, as a wrong password is
      const [counted] = await t.db.sql`select failures from auth_throttle where key = ${'login-account:' + email}`;
      expect(counted!.failures).toBe(2);
      // one proof, never both or none
      expect(await enroll({ telegram_auth: widget(4001), current_password: 'a guessed password' })).toMatchObject({
        status: 400,
        body: { errors: [{ path: 'telegram_auth' }] },
      });
      expect(await enroll({})).toMatchObject({ status: 400, body: { errors: [{ path: 'current_password' }] } });

      const enrolled = await enroll({ telegram_auth: widget(4001) });
      expect(enrolled.status).toBe(200);
      const app = new Authenticator(enrolled.body.secret as string);
      const verify = (body: object) => t.api.post('/v1/auth/totp/verify', { code: '000000', ...body }, { token });
      // (the right proof at enrolment forgot the refusals before it)
      expect(await verify({ telegram_auth: { ...widget(4001), first_name: 'Eve' } })).toMatchObject(refusedAs('does not match'));
      expect((await verify({ code: await app.code(), telegram_auth: widget(4001) })).body).toEqual({ totp_enabled: true });
      // and the next Telegram sign-in asks for the code
      expect((await t.api.post('/v1/auth/telegram', widget(4001))).body.code).toBe('totp_required');
    } finally {
      t.deps.settings.accounts.telegram = null;
    }
  });

  it('counts code guesses against one budget per user, whichever way in they come: email, Telegram or a session', async () => {
    const botToken = '7000002:AAE-bot-token-of-the-integration-tests';
    t.deps.settings.accounts.telegram = { botToken, maxAgeSeconds: 86_400 };
    const fields = { id: 3001, first_name: 'Grace', auth_date: Math.floor(Date.now() / 1000) };
    const widget = { ...fields, hash: telegramLoginHash(botToken, fields) };
    try {
      const user = await t.api.signUp('totp-budget@example.com');
      expect((await t.api.post('/v1/me/telegram', { ...widget, ...PASSWORD }, { token: user.token })).status).toBe(200);
      const enrolled = await t.api.post('/v1/auth/totp/enroll', PASSWORD, { token: user.token });
      const app = new Authenticator(enrolled.body.secret as string);
      await t.api.post('/v1/auth/totp/verify', { code: await app.code(), ...PASSWORD }, { token: user.token });

      const login = { email: user.email, password: 'a long enough password' };
      for (let i = 0; i < 2; i++) {
        const byEmail = await t.api.post('/v1/auth/token', { ...login, totp: '000000' }, { headers: from('10.9.0.1') });
        expect(byEmail.body.code).toBe('totp_invalid');
      }
      const byTelegram = await t.api.post('/v1/auth/telegram', { ...widget, totp: '000000' }, { headers: from('10.9.0.2') });
      expect(byTelegram.body.code).toBe('totp_invalid');
      // the third wrong code in all, each way in below its own budget and from its own address: the user's budget waits
      const bySession = await t.api.post(
        '/v1/auth/totp/disable',
        { ...PASSWORD, totp: '000000' },
        { token: user.token, headers: from('10.9.0.3') },
      );
      expect(bySession.status).toBe(429);
      expect(bySession.headers.get('retry-after')).toMatch(/^\d+$/);
      const [budget] = await t.db.sql`select failures from auth_throttle where key = ${'totp-account:' + user.id}`;
      expect(budget!.failures).toBe(3);
    } finally {
      t.deps.settings.accounts.telegram = null;
    }
  });

  it('gives wrong codes sent at once no more tries than codes sent one by one', async () => {
    const user = await t.api.signUp('totp-burst@example.com');
    const enrolled = await t.api.post('/v1/auth/totp/enroll', PASSWORD, { token: user.token });
    const app = new Authenticator(enrolled.body.secret as string);
    await t.api.post('/v1/auth/totp/verify', { code: await app.code(), ...PASSWORD }, { token: user.token });
    // a stolen access token's burst of guesses to turn two-factor off, each from an address of its own
    const burst = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.api.post(
          '/v1/auth/totp/disable',
          { ...PASSWORD, totp: String(i).padStart(6, '0') },
          { token: user.token, headers: from(`10.8.0.${i}`) },
        ),
      ),
    );
    const statuses = burst.map((r) => r.status).sort();
    // checked first and counted after, every one of them was tried
    expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    expect(statuses.filter((s) => s === 429)).toHaveLength(9);
    expect((await t.api.get('/v1/me', { token: user.token })).body.totp_enabled).toBe(true);
  });

  it("lets an admin turn a user's two-factor off, their way back in: a password reset leaves it on", async () => {
    const user = await t.api.signUp('totp-lost@example.com');
    const enrolled = await t.api.post('/v1/auth/totp/enroll', PASSWORD, { token: user.token });
    const app = new Authenticator(enrolled.body.secret as string);
    await t.api.post('/v1/auth/totp/verify', { code: await app.code(), ...PASSWORD }, { token: user.token });
    // the owner resets the password by the mailed link: the second factor stays, and the event says so
    const [link] = await t.db.sql`
      insert into password_resets (user_id, secret_hash, expires_at)
      values (${user.id}, ${createHash('sha256').update('the-secret').digest('hex')}, now() + interval '1 hour') returning id`;
    const confirm = { token: `${link!.id}.the-secret`, new_password: 'a brand new password' };
    expect((await t.api.post('/v1/auth/password-reset/confirm', confirm)).status).toBe(204);
    const [resetEvent] = await t.db
      .sql`select detail from security_events where user_id = ${user.id} and kind = 'password_reset'`;
    expect(resetEvent!.detail).toEqual({ api_keys_revoked: [], telegram_unlinked: false, totp_enabled: true });
    const login = { email: user.email, password: 'a brand new password' };
    expect((await t.api.post('/v1/auth/token', login)).body.code).toBe('totp_required');

    const path = `/v1/ops/users/${user.id}/totp`;
    expect((await t.api.delete(path, { token: (await t.api.signUp('totp-meddler@example.com')).token })).status).toBe(403);
    expect(await t.api.delete(`/v1/ops/users/${t.admin.id}/totp`, { token: t.admin.token })).toMatchObject({
      status: 403,
      body: { errors: [{ path: 'id', message: 'is you' }] },
    });
    const reset = await t.api.delete(path, { token: t.admin.token });
    expect(reset).toMatchObject({ status: 200, body: { id: user.id, totp_enabled: false } });
    expect((await t.api.post('/v1/auth/token', login)).status).toBe(200);
    const [event] = await t.db
      .sql`select actor_id, detail from security_events where user_id = ${user.id} and kind = 'totp_disabled'`;
    expect(event).toEqual({ actorId: t.admin.id, detail: { by: 'admin' } });
  });
});

describe('linking Telegram', () => {
  /** Turns Telegram sign-in on under `botToken` (the test turns it off after); widget data for a Telegram id, signed. */
  const withTelegramBot = (botToken: string) => {
    t.deps.settings.accounts.telegram = { botToken, maxAgeSeconds: 86_400 };
    const widget = (id: number) => {
      const fields = { id, first_name: 'Mallory', auth_date: Math.floor(Date.now() / 1000) };
      return { ...fields, hash: telegramLoginHash(botToken, fields) };
    };
    const signInByTelegram = async (id: number) => {
      const tokens = await t.api.post('/v1/auth/telegram', widget(id));
      return (await t.api.get('/v1/me', { token: tokens.body.access_token })).body.id as string;
    };
    return { widget, signInByTelegram };
  };

  it('needs the current password, and the code with two-factor on: an access token alone adds no way in', async () => {
    const { widget, signInByTelegram } = withTelegramBot('7000004:AAE-bot-token-of-the-integration-tests');
    try {
      // whoever holds the victim's access token links their own Telegram account: it would sign in past any new password
      const user = await t.api.signUp('telegram-victim@example.com');
      const link = (body: object, token = user.token) => t.api.post('/v1/me/telegram', body, { token });
      expect(await link(widget(5001))).toMatchObject({ status: 400, body: { errors: [{ path: 'current_password' }] } });
      expect(await link({ ...widget(5001), current_password: 'a guessed password' })).toMatchObject({
        status: 401,
        body: { code: 'unauthenticated', errors: [{ path: 'current_password', message: 'is wrong' }] },
      });
      expect(await t.db.sql`select 1 from telegram_accounts where user_id = ${user.id}`).toHaveLength(0);
      // (that Telegram account reaches an account of its own, not the victim's)
      expect(await signInByTelegram(5001)).not.toBe(user.id);

      // with two-factor on, the code too, as a password change asks
      const owner = await t.api.signUp('telegram-owner@example.com');
      const enrolled = await t.api.post('/v1/auth/totp/enroll', PASSWORD, { token: owner.token });
      const app = new Authenticator(enrolled.body.secret as string);
      await t.api.post('/v1/auth/totp/verify', { code: await app.code(), ...PASSWORD }, { token: owner.token });
      expect(await link({ ...widget(5002), ...PASSWORD }, owner.token)).toMatchObject({
        status: 401,
        body: { code: 'totp_required', errors: [{ path: 'totp' }] },
      });
      const linked = await link({ ...widget(5002), ...PASSWORD, totp: await app.code() }, owner.token);
      expect(linked.body).toEqual({ telegram_id: '5002', username: null });
      expect((await t.api.post('/v1/auth/telegram', { ...widget(5002), totp: await app.code() })).status).toBe(200);
    } finally {
      t.deps.settings.accounts.telegram = null;
    }
  });

  it("is undone by a password reset, as API keys are: a thief's Telegram signs in no more; an account made from Telegram keeps its own", async () => {
    const { widget, signInByTelegram } = withTelegramBot('7000006:AAE-bot-token-of-the-integration-tests');
    const reset = async (userId: string) => {
      const secret = `reset-of-${userId}`;
      const [row] = await t.db.sql`
        insert into password_resets (user_id, secret_hash, expires_at)
        values (${userId}, ${createHash('sha256').update(secret).digest('hex')}, now() + interval '1 hour')
        returning id`;
      const token = `${row!.id}.${secret}`;
      expect((await t.api.post('/v1/auth/password-reset/confirm', { token, new_password: 'a brand new password' })).status).toBe(
        204,
      );
      const [event] = await t.db.sql`select detail from security_events where user_id = ${userId} and kind = 'password_reset'`;
      return event!.detail.telegram_unlinked as boolean;
    };
    try {
      // whoever knew the password linked their own Telegram account; the owner resets the password
      const user = await t.api.signUp('telegram-reset@example.com');
      const linked = await t.api.post('/v1/me/telegram', { ...widget(6001), ...PASSWORD }, { token: user.token });
      expect(linked.status).toBe(200);
      expect(await signInByTelegram(6001)).toBe(user.id);
      const unlinked = await reset(user.id);
      expect(await t.db.sql`select 1 from telegram_accounts where user_id = ${user.id}`).toHaveLength(0);
      expect(await signInByTelegram(6001)).not.toBe(user.id);
      expect(unlinked).toBe(true); // the password_reset event says so

      // an account made from Telegram has no other way in (and no mailbox a reset link reaches): its link stays
      const made = await signInByTelegram(6002);
      expect(await reset(made)).toBe(false);
      expect(await signInByTelegram(6002)).toBe(made);
    } finally {
      t.deps.settings.accounts.telegram = null;
    }
  });
});

describe('the owner proof of an account made from Telegram', () => {
  const botToken = '7000007:AAE-bot-token-of-the-integration-tests';
  const widget = (id: number) => {
    const fields = { id, first_name: 'Ada', auth_date: Math.floor(Date.now() / 1000) };
    return { ...fields, hash: telegramLoginHash(botToken, fields) };
  };
  /** Signs in by Telegram (making the account on first sight): its id, access token and placeholder email. */
  const signInByTelegram = async (id: number) => {
    const token = (await t.api.post('/v1/auth/telegram', widget(id))).body.access_token as string;
    const me = (await t.api.get('/v1/me', { token })).body;
    return { id: me.id as string, email: me.email as string, token };
  };
  beforeAll(() => {
    t.deps.settings.accounts.telegram = { botToken, maxAgeSeconds: 86_400 };
  });
  afterAll(() => {
    t.deps.settings.accounts.telegram = null;
  });

  it('is fresh widget data for its own Telegram account at every step-up (API keys, the IP allow-list), with the code once two-factor is on', async () => {
    // such an account has no password it knows: with only current_password accepted it could make neither
    const made = await signInByTelegram(7001);
    await t.api.post('/v1/auth/telegram', widget(7002)); // someone else's Telegram account
    const createKey = (body: object) => t.api.post('/v1/api-keys', { name: 'bot', ...body }, { token: made.token });
    const allowlist = (body: object) => t.api.put('/v1/me/ip-allowlist', { cidrs: [], ...body }, { token: made.token });
    expect(await createKey({ telegram_auth: widget(7002) })).toMatchObject({
      status: 401,
      body: { errors: [{ path: 'telegram_auth', message: 'is not the Telegram account linked to this user' }] },
    });
    const [counted] = await t.db.sql`select failures from auth_throttle where key = ${'login-account:' + made.email}`;
    expect(counted!.failures).toBe(1); // a sign-in guess, as a wrong password is
    expect((await createKey({ telegram_auth: widget(7001) })).status).toBe(201);
    expect(await allowlist({ telegram_auth: widget(7001) })).toMatchObject({ status: 200, body: { cidrs: [] } });

    // with two-factor on, the code too, as a Telegram sign-in asks
    const enrolled = await t.api.post('/v1/auth/totp/enroll', { telegram_auth: widget(7001) }, { token: made.token });
    const app = new Authenticator(enrolled.body.secret as string);
    const verify = { code: await app.code(), telegram_auth: widget(7001) };
    expect((await t.api.post('/v1/auth/totp/verify', verify, { token: made.token })).status).toBe(200);
    expect(await createKey({ telegram_auth: widget(7001) })).toMatchObject({
      status: 401,
      body: { code: 'totp_required', errors: [{ path: 'totp' }] },
    });
    expect((await createKey({ telegram_auth: widget(7001), totp: await app.code() })).status).toBe(201);

    const body = (await t.api.get('/openapi.json')).body.paths['/v1/api-keys'].post.requestBody.content['application/json']
      .schema;
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['current_password', 'telegram_auth', 'totp']));
  });

  it('is not Telegram for an account with a password of its own: its password proves it', async () => {
    const user = await t.api.signUp('owner-proof-password@example.com');
    expect((await t.api.post('/v1/me/telegram', { ...widget(7101), ...PASSWORD }, { token: user.token })).status).toBe(200);
    expect(await t.api.post('/v1/api-keys', { name: 'bot', telegram_auth: widget(7101) }, { token: user.token })).toMatchObject({
      status: 401,
      body: { errors: [{ path: 'telegram_auth' }] },
    });
    expect((await t.api.get('/v1/api-keys', { token: user.token })).body.data).toEqual([]);
  });

  it('guards unlinking Telegram: an access token alone unlinks nothing, and an account made from Telegram keeps its only way in', async () => {
    const user = await t.api.signUp('owner-proof-unlink@example.com');
    expect((await t.api.post('/v1/me/telegram', { ...widget(7201), ...PASSWORD }, { token: user.token })).status).toBe(200);
    const unlink = (token: string, body?: object) => t.api.request('DELETE', '/v1/me/telegram', body, { token });
    expect((await unlink(user.token)).status).toBe(400);
    expect(await unlink(user.token, {})).toMatchObject({ status: 400, body: { errors: [{ path: 'current_password' }] } });
    expect(await unlink(user.token, { current_password: 'a guessed password' })).toMatchObject({
      status: 401,
      body: { errors: [{ path: 'current_password', message: 'is wrong' }] },
    });
    expect(await t.db.sql`select 1 from telegram_accounts where user_id = ${user.id}`).toHaveLength(1);
    expect((await unlink(user.token, PASSWORD)).status).toBe(204);
    expect(await t.db.sql`select 1 from telegram_accounts where user_id = ${user.id}`).toHaveLength(0);

    const made = await signInByTelegram(7202);
    expect(await unlink(made.token, { telegram_auth: widget(7202) })).toMatchObject({
      status: 409,
      body: {
        detail:
          'Telegram is the only way into this account: add a mail address and password (POST /v1/me/email) before unlinking it',
      },
    });
    expect((await signInByTelegram(7202)).id).toBe(made.id);
  });

  it('mails no password reset or verification link to its placeholder address (a reset answers as for an unknown one)', async () => {
    const made = await signInByTelegram(7301);
    const user = await t.api.signUp('owner-proof-reset@example.com');
    const starts: unknown[] = [];
    const temporal = { client: { workflow: { start: async (...args: unknown[]) => starts.push(args) } } };
    const deps = { sql: t.db.sql, key: Buffer.alloc(32), temporal: temporal as unknown as TemporalTarget, ttlMs: 60_000 };
    await requestPasswordReset(deps, made.email);
    expect(starts).toHaveLength(0);
    expect(await t.db.sql`select 1 from password_resets where user_id = ${made.id}`).toHaveLength(0);
    await requestPasswordReset(deps, user.email); // (the double hears a real one)
    expect(starts).toHaveLength(1);
    // nor a verification link, asked for again
    expect(await t.api.post('/v1/me/email-verification', undefined, { token: made.token })).toMatchObject({
      status: 409,
      body: { detail: 'this account was made from Telegram: its placeholder address has no mailbox' },
    });
  });
});

describe('registration', () => {
  it('is throttled per client IP: every registration counts, taken email or not, and a refusal is a 429 with Retry-After', async () => {
    const policies = t.deps.security.throttlePolicies;
    const usual = policies.registration;
    policies.registration = { ...usual, freeFailures: 2, lockAfter: 10 };
    try {
      const register = (email: string, ip: string) =>
        t.api.post('/v1/auth/register', { email, password: 'a long enough password' }, { headers: from(ip) });
      expect((await register('farm-1@example.com', '10.8.0.1')).status).toBe(201);
      expect((await register('farm-1@example.com', '10.8.0.1')).status).toBe(409);
      const refused = await register('farm-2@example.com', '10.8.0.1');
      expect(refused).toMatchObject({ status: 429, body: { code: 'too_many_attempts' } });
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      const [farmed] = await t.db.sql`select count(*)::int as n from users where email = 'farm-2@example.com'`;
      expect(farmed!.n).toBe(0);
      // another address is not held back
      expect((await register('farm-2@example.com', '10.8.0.2')).status).toBe(201);
    } finally {
      policies.registration = usual;
    }
  });

  it('refuses the placeholder address of an account made from Telegram: registered first, it kept that Telegram account out', async () => {
    const botToken = '7000005:AAE-bot-token-of-the-integration-tests';
    t.deps.settings.accounts.telegram = { botToken, maxAgeSeconds: 86_400 };
    try {
      const squatted = await t.api.post('/v1/auth/register', {
        email: 'Telegram-6001@telegram.invalid',
        password: 'a long enough password',
      });
      expect(squatted).toMatchObject({
        status: 400,
        body: { errors: [{ path: 'email', message: 'is reserved for accounts made from Telegram' }] },
      });
      const fields = { id: 6001, first_name: 'Ada', auth_date: Math.floor(Date.now() / 1000) };
      const signedIn = await t.api.post('/v1/auth/telegram', { ...fields, hash: telegramLoginHash(botToken, fields) });
      expect(signedIn.status).toBe(200);
    } finally {
      t.deps.settings.accounts.telegram = null;
    }
  });
});

describe('API keys', () => {
  it('are created only with the current password: a stolen access token alone mints no key', async () => {
    const user = await t.api.signUp('keys-thief@example.com');
    // whoever holds the victim's access token asks for a withdraw key, which would outlive a password change
    const create = (body: object) =>
      t.api.post('/v1/api-keys', { name: 'thief', scopes: ['withdraw'], ...body }, { token: user.token });
    expect(await create({})).toMatchObject({ status: 400, body: { errors: [{ path: 'current_password' }] } });
    expect(await create({ current_password: 'a guessed password' })).toMatchObject({
      status: 401,
      body: { code: 'unauthenticated', errors: [{ path: 'current_password', message: 'is wrong' }] },
    });
    // a guess at the password, counted as a sign-in's
    const [counted] = await t.db.sql`select failures from auth_throttle where key = ${'login-account:' + user.email}`;
    expect(counted!.failures).toBe(1);
    expect((await t.api.get('/v1/api-keys', { token: user.token })).body.data).toEqual([]);
    expect((await create(PASSWORD)).status).toBe(201);
    const body = (await t.api.get('/openapi.json')).body.paths['/v1/api-keys'].post.requestBody.content['application/json']
      .schema;
    expect(body.oneOf).toEqual([{ required: ['current_password'] }, { required: ['telegram_auth'] }]);
  });

  it('authenticates signed requests and refuses bad signatures, stale timestamps and revoked keys', async () => {
    const user = await t.api.signUp('keys@example.com');
    const created = await t.api.createApiKey(user, { name: 'trading bot', scopes: ['read', 'withdraw'] });
    expect(created.status).toBe(201);
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    expect((await t.api.get('/v1/api-keys', { token: user.token })).body.data[0]).not.toHaveProperty('secret');

    expect((await t.api.get('/v1/balances?limit=5', { headers: signedHeaders(key, 'GET', '/v1/balances?limit=5') })).status).toBe(
      200,
    );
    const body = JSON.stringify({ to_email: 'keys@example.com', currency: 'USD', amount: '1.00' });
    const post = await t.api.post('/v1/transfers', undefined, {
      raw: body,
      headers: { ...signedHeaders(key, 'POST', '/v1/transfers', body), 'idempotency-key': 'k1' },
    });
    expect(post.body.code).toBe('self_transfer'); // authenticated: the business rule answered
    const tampered = await t.api.post('/v1/transfers', undefined, {
      raw: body.replace('1.00', '9.00'),
      headers: { ...signedHeaders(key, 'POST', '/v1/transfers', body), 'idempotency-key': 'k2' },
    });
    expect(tampered.status).toBe(401);
    const stale = signedHeaders(key, 'GET', '/v1/balances', '', Math.floor(Date.now() / 1000) - 600);
    expect((await t.api.get('/v1/balances', { headers: stale })).status).toBe(401);
    // managing credentials needs a session, not a key
    expect((await t.api.get('/v1/api-keys', { headers: signedHeaders(key, 'GET', '/v1/api-keys') })).status).toBe(401);

    expect((await t.api.delete(`/v1/api-keys/${key.id}`, { token: user.token })).status).toBe(204);
    expect((await t.api.get('/v1/balances', { headers: signedHeaders(key, 'GET', '/v1/balances') })).status).toBe(401);
    expect((await t.api.delete(`/v1/api-keys/${key.id}`, { token: user.token })).status).toBe(404);
  });

  it('route ordinary notices but not the security ones: those need the signed-in owner', async () => {
    const user = await t.api.signUp('keys-notices@example.com');
    const created = await t.api.createApiKey(user, { name: 'notices bot', scopes: ['trade'] });
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    const choose = (preferences: object[]) => {
      const body = JSON.stringify({ preferences });
      const path = '/v1/notifications/preferences';
      return t.api.put(path, undefined, { raw: body, headers: signedHeaders(key, 'PUT', path, body) });
    };
    expect((await choose([{ event_type: 'order_filled', channels: ['email'] }])).status).toBe(200);
    for (const event of ['login_new_ip', 'login_locked', 'withdrawal_code']) {
      const refused = await choose([
        { event_type: 'deposit_credited', channels: [] },
        { event_type: event, channels: [] },
      ]);
      expect(refused).toMatchObject({
        status: 403,
        body: {
          code: 'forbidden',
          errors: [{ path: 'preferences.1.event_type', message: 'needs a bearer access token, not an API key' }],
        },
      });
    }
    // nothing of a refused request was saved; the owner, signed in, may route them as they like
    const saved = await t.api.get('/v1/notifications/preferences', { token: user.token });
    expect(saved.body.data.filter((c: { chosen: boolean }) => c.chosen).map((c: { event_type: string }) => c.event_type)).toEqual(
      ['order_filled'],
    );
    const owner = await t.api.put(
      '/v1/notifications/preferences',
      { preferences: [{ event_type: 'login_new_ip', channels: [] }] },
      { token: user.token },
    );
    expect(owner.status).toBe(200);
  });

  it("need the withdraw scope for an operator's writes that move money; trade is not enough", async () => {
    const operator = await t.api.signUp('keys-operator@example.com');
    const customer = await t.api.signUp('keys-customer@example.com');
    expect((await t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'operator' }, { token: t.admin.token })).status).toBe(
      200,
    );
    const key = async (scopes: string[]) => {
      const created = await t.api.createApiKey(operator, { name: scopes.join('+'), scopes });
      expect(created.status).toBe(201);
      return { id: created.body.id as string, secret: created.body.secret as string };
    };
    const signedPost = (signer: { id: string; secret: string }, path: string, body: object) => {
      const raw = JSON.stringify(body);
      return t.api.post(path, undefined, {
        raw,
        headers: { ...signedHeaders(signer, 'POST', path, raw), 'idempotency-key': `k-${Math.random()}` },
      });
    };
    const adjust = (signer: { id: string; secret: string }) =>
      signedPost(signer, '/v1/ops/adjustments', { user_id: customer.id, currency: 'USD', amount: '5.00', reason: 'goodwill' });

    const trader = await key(['read', 'trade']);
    const refused = await adjust(trader);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'insufficient_scope', detail: 'this API key lacks the withdraw scope' });
    const close = await signedPost(trader, '/v1/ops/withdrawals/00000000-0000-0000-0000-000000000000/close', {
      outcome: 'succeeded',
      note: 'paid by hand',
    });
    expect(close.body).toMatchObject({ status: 403, code: 'insufficient_scope' });
    const usd = async () =>
      (await t.api.get('/v1/balances', { token: customer.token })).body.data.find(
        (b: { currency: string }) => b.currency === 'USD',
      );
    expect((await usd()).posted).toBe('0.00');

    const adjusted = await adjust(await key(['withdraw']));
    expect(adjusted.status).toBe(201);
    expect(adjusted.body).toMatchObject({ user_id: customer.id, amount: '5.00', currency: 'USD' });
    expect((await usd()).posted).toBe('5.00');
  });

  it("never act for an admin: roles, access and second factors are an admin's signed-in decisions, whatever the key's scopes", async () => {
    const admin = await t.api.signUp('keys-admin@example.com');
    const target = await t.api.signUp('keys-target@example.com');
    expect((await t.api.put(`/v1/ops/users/${admin.id}/role`, { role: 'admin' }, { token: t.admin.token })).status).toBe(200);
    const created = await t.api.createApiKey(admin, { name: 'admin bot', scopes: ['read', 'trade', 'withdraw'] });
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    const signedPut = (path: string, body: object) => {
      const raw = JSON.stringify(body);
      return t.api.put(path, undefined, { raw, headers: signedHeaders(key, 'PUT', path, raw) });
    };
    for (const [path, body] of [
      [`/v1/ops/users/${target.id}/role`, { role: 'admin' }],
      [`/v1/ops/users/${target.id}/disabled`, { disabled: true }],
    ] as const) {
      const refused = await signedPut(path, body);
      expect(refused.status, path).toBe(401);
      expect(refused.body.detail, path).toBe('this endpoint needs a bearer access token, not an API key');
    }
    expect((await t.api.get('/v1/me', { token: target.token })).body).toMatchObject({ role: 'user', disabled: false });
    // the document says so: these routes name the bearer token alone, an operator's the signed key too
    const paths = (await t.api.get('/openapi.json')).body.paths;
    expect(paths['/v1/ops/users/{id}/role'].put.security).toEqual([{ bearer: [] }]);
    expect(paths['/v1/ops/adjustments'].post.security).toHaveLength(2);
  });
});

describe('IP allow-list', () => {
  it('refuses requests and logins from addresses not on the list, and a list that would lock the caller out', async () => {
    const user = await t.api.signUp('ip@example.com');
    const lockout = await t.api.put(
      '/v1/me/ip-allowlist',
      { cidrs: ['198.51.100.0/24'], ...PASSWORD },
      { token: user.token, headers: from('203.0.113.7') },
    );
    expect(lockout.status).toBe(400);
    expect(
      (
        await t.api.put(
          '/v1/me/ip-allowlist',
          { cidrs: ['not an ip'], ...PASSWORD },
          { token: user.token, headers: from('203.0.113.7') },
        )
      ).body.errors[0].path,
    ).toBe('cidrs.0');

    const saved = await t.api.put(
      '/v1/me/ip-allowlist',
      { cidrs: ['203.0.113.0/24', '2001:db8::1'], ...PASSWORD },
      { token: user.token, headers: from('203.0.113.7') },
    );
    expect(saved.body).toEqual({ cidrs: ['203.0.113.0/24', '2001:db8::1/128'] });
    expect((await t.api.get('/v1/me', { token: user.token, headers: from('203.0.113.200') })).status).toBe(200);
    expect((await t.api.get('/v1/me', { token: user.token, headers: from('2001:db8::1') })).status).toBe(200);
    const blocked = await t.api.get('/v1/me', { token: user.token, headers: from('198.51.100.1') });
    expect(blocked.body.code).toBe('ip_not_allowed');
    const login = await t.api.post(
      '/v1/auth/token',
      { email: 'ip@example.com', password: 'a long enough password' },
      { headers: from('198.51.100.1') },
    );
    expect(login.status).toBe(403);
  });

  it('is set only with the current password: an access token alone cannot lock its owner out', async () => {
    const user = await t.api.signUp('ip-locked-out@example.com');
    // whoever holds the access token, from their own address, on a list of that address alone
    const put = (body: object) =>
      t.api.put(
        '/v1/me/ip-allowlist',
        { cidrs: ['198.51.100.66'], ...body },
        { token: user.token, headers: from('198.51.100.66') },
      );
    expect(await put({})).toMatchObject({ status: 400, body: { errors: [{ path: 'current_password' }] } });
    expect(await put({ current_password: 'a guessed password' })).toMatchObject({
      status: 401,
      body: { errors: [{ path: 'current_password', message: 'is wrong' }] },
    });
    // the owner still signs in from anywhere
    const login = { email: user.email, password: 'a long enough password' };
    expect((await t.api.post('/v1/auth/token', login, { headers: from('203.0.113.9') })).status).toBe(200);
    expect((await put(PASSWORD)).body).toEqual({ cidrs: ['198.51.100.66/32'] });
  });

  it('refuses a refresh from an address off the allow-list as it refuses a sign-in, without using the token up', async () => {
    const user = await t.api.signUp('ip-refresh@example.com');
    const signedIn = await t.api.post('/v1/auth/token', { email: user.email, password: 'a long enough password' });
    await t.api.put(
      '/v1/me/ip-allowlist',
      { cidrs: ['203.0.113.0/24'], ...PASSWORD },
      { token: user.token, headers: from('203.0.113.7') },
    );
    const refresh = (address: string) =>
      t.api.post('/v1/auth/refresh', { refresh_token: signedIn.body.refresh_token }, { headers: from(address) });
    const refused = await refresh('198.51.100.1');
    expect([refused.status, refused.body.code]).toEqual([403, 'ip_not_allowed']);
    expect((await refresh('203.0.113.8')).status).toBe(200);
  });

  it("accepts exactly the entries PostgreSQL's cidr accepts, and names the block PostgreSQL would", async () => {
    const byte = () => Math.floor(Math.random() * 256);
    const group = () => (Math.random() < 0.4 ? 0 : Math.floor(Math.random() * 65536)).toString(16);
    const ipv6 = () => {
      const groups = Array.from({ length: 8 }, group);
      const zeros = Math.floor(Math.random() * 4); // a run of zeros written as ::, or none
      const at = Math.floor(Math.random() * (8 - zeros));
      return zeros === 0 ? groups.join(':') : `${groups.slice(0, at).join(':')}::${groups.slice(at + zeros).join(':')}`;
    };
    const texts = ['fe80::1%eth0', 'fe80::%1/64', '::ffff:10.0.0.1/120', '::1.2.3.4/96', '1.2.3.4/0', '::/0'];
    for (let i = 0; i < 150; i++) {
      const v4 = [byte(), byte(), byte(), byte() & (Math.random() < 0.5 ? 0 : 255)].join('.');
      texts.push(v4, `${v4}/${Math.floor(Math.random() * 33)}`, `${ipv6()}/${Math.floor(Math.random() * 129)}`);
    }
    for (const text of texts) {
      const entry = parseCidr(text);
      const stored = await t.db.sql`select ${text}::cidr::text as cidr`.then(
        ([row]) => row!.cidr as string,
        () => null,
      );
      if ('cidr' in entry) {
        expect([text, stored]).toEqual([text, expect.any(String)]);
        continue;
      }
      expect([text, stored]).toEqual([text, null]);
      const meant = /did you mean (.+)\?$/.exec(entry.problem)?.[1];
      if (meant === undefined) continue;
      const [address, prefix] = text.split('/');
      const [row] = await t.db.sql`select ${meant}::cidr = network(set_masklen(${address!}::inet, ${Number(prefix)})) as same`;
      expect([text, row!.same]).toEqual([text, true]);
    }
  });
});
