/**
 * An ordinary account changes its mail address (POST /v1/me/email-change, then the link mailed to the new address):
 * the owner proof, nothing changed until the link is followed, the address then verified and every session signed
 * out; an address taken refused when asked and when applied (a race decided by the unique index), a password change
 * in between cancelling it, one request per interval. No route offered the change before.
 */
import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailChangeDeps } from '../../api/users-auth/account-mail-deps.js';
import { requestEmailChange } from '../../services/users-auth/email-change.js';
import { requestPasswordReset } from '../../services/users-auth/password-reset.js';
import { linkToken } from '../../services/users-auth/single-use-links.js';
import { telegramLoginHash } from '../../services/users-auth/telegram-login.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ownNamespace } from '../support/own-namespace.js';
import { SIGN_UP_PASSWORD } from '../support/http.js';

const BOT_TOKEN = '7000005:AAE-bot-token-of-the-email-change-tests';
let t: TestApp;
let temporal: Awaited<ReturnType<typeof ownNamespace>>;
beforeAll(async () => {
  t = await startTestApp();
  t.deps.settings.accounts.telegram = { botToken: BOT_TOKEN, maxAgeSeconds: 86_400 };
  // account mail starts with search attributes (no worker polls this namespace)
  temporal = await ownNamespace();
  t.deps.temporal.client = temporal.client;
});
afterAll(async () => {
  await temporal?.close();
  await t?.close();
});

const ask = (token: string, body: object) => t.api.post('/v1/me/email-change', body, { token });
const confirm = (token: string) => t.api.post('/v1/auth/email-change/confirm', { token });
/** The link the worker mails for the user's last change asked: rebuilt from its stored id, as the worker does. */
async function lastLink(userId: string) {
  const [change] = await t.db.sql`select id from email_changes where user_id = ${userId} order by created_at desc limit 1`;
  return linkToken(t.deps.keys.emailLinks, 'email-change', change!.id as string);
}
const emailOf = async (userId: string) => (await t.db.sql`select email from users where id = ${userId}`)[0]!.email as string;

describe('changing the mail address of an ordinary account', () => {
  it('mails a link to the new address and a notice to the old; following it changes, verifies and signs out', async () => {
    const user = await t.api.signUp('before@example.com');
    const session = await t.api.post('/v1/auth/token', { email: user.email, password: SIGN_UP_PASSWORD });

    expect(await ask(user.token, { email: 'after@example.com' })).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'current_password' }] },
    });
    expect(await ask(user.token, { email: 'after@example.com', current_password: 'not the password' })).toMatchObject({
      status: 401,
      body: { errors: [{ path: 'current_password', message: 'is wrong' }] },
    });
    const asked = await ask(user.token, { email: 'After@Example.com', current_password: SIGN_UP_PASSWORD });
    expect(asked.status).toBe(202);
    expect(await emailOf(user.id)).toBe('before@example.com'); // nothing changes until the link is followed

    const [change] = await t.db.sql`select id, old_email, new_email from email_changes where user_id = ${user.id}`;
    expect(change).toMatchObject({ oldEmail: 'before@example.com', newEmail: 'after@example.com' });
    for (const kind of ['email-change', 'email-change-notice']) {
      const started = await t.deps.temporal.client.workflow.getHandle(`account-mail:${kind}:${change!.id}`).describe();
      expect(started.type).toBe('accountMailWorkflow');
    }

    const token = await lastLink(user.id);
    expect(await confirm(`${token.split('.')[0]}.${'A'.repeat(43)}`)).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'token', message: 'invalid' }] },
    });
    const done = await confirm(token);
    expect(done).toMatchObject({ status: 200, body: { email: 'after@example.com', email_verified: true } });
    expect(await confirm(token)).toMatchObject({ status: 400, body: { errors: [{ path: 'token', message: 'already used' }] } });

    // every session signed out, as after a password change
    expect((await t.api.get('/v1/me', { token: user.token })).status).toBe(401);
    expect((await t.api.post('/v1/auth/refresh', { refresh_token: session.body.refresh_token })).status).toBe(401);
    expect((await t.api.post('/v1/auth/token', { email: 'before@example.com', password: SIGN_UP_PASSWORD })).status).toBe(401);
    const signedIn = await t.api.login('after@example.com', SIGN_UP_PASSWORD);
    expect((await t.api.get('/v1/me', { token: signedIn })).body).toMatchObject({
      id: user.id,
      email: 'after@example.com',
      email_verified: true,
    });
    const events = await t.db.sql`select kind, detail from security_events where user_id = ${user.id} order by id`;
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['email_change_requested', 'email_changed']));
    expect(events.find((e) => e.kind === 'email_changed')!.detail).toEqual({
      from: 'before@example.com',
      to: 'after@example.com',
    });
  });

  it('refuses its own address, an address taken, an account made from Telegram, and a second request too soon', async () => {
    const user = await t.api.signUp('refusals@example.com');
    await t.api.signUp('someone-else@example.com');
    const proof = { current_password: SIGN_UP_PASSWORD };

    expect(await ask(user.token, { email: 'REFUSALS@example.com', ...proof })).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'email', message: 'is the current address' }] },
    });
    expect(await ask(user.token, { email: 'someone-else@example.com', ...proof })).toMatchObject({
      status: 409,
      body: { code: 'email_taken', errors: [{ path: 'email', message: 'is taken' }] },
    });
    expect(await ask(user.token, { email: 'telegram-1@telegram.invalid', ...proof })).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'email' }] },
    });
    expect(await ask(user.token, { email: 'not an address', ...proof })).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'email' }] },
    });

    expect((await ask(user.token, { email: 'first-choice@example.com', ...proof })).status).toBe(202);
    const again = await ask(user.token, { email: 'second-choice@example.com', ...proof });
    expect(again).toMatchObject({ status: 429, body: { code: 'rate_limited' } });
    expect(Number(again.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await t.db.sql`select 1 from email_changes where user_id = ${user.id}`).toHaveLength(1);

    const fields = { id: 6001, first_name: 'Ada', auth_date: Math.floor(Date.now() / 1000) };
    const widget = { ...fields, hash: telegramLoginHash(BOT_TOKEN, fields) };
    const fromTelegram = await t.api.post('/v1/auth/telegram', widget);
    expect(await ask(fromTelegram.body.access_token, { email: 'mine@example.com', telegram_auth: widget })).toMatchObject({
      status: 409,
      body: { code: 'conflict', errors: [{ path: 'email' }] },
    });
    // and POST /v1/me/email, the way such an account adds its address, points an ordinary one here
    const add = await t.api.post(
      '/v1/me/email',
      { email: 'x@example.com', password: SIGN_UP_PASSWORD, ...proof },
      { token: user.token },
    );
    expect(add).toMatchObject({
      status: 409,
      body: { code: 'conflict', errors: [{ path: 'email', message: 'is set already' }] },
    });
  });

  it('counts each taken address it tells against the account, so it is no faster oracle than registration', async () => {
    const user = await t.api.signUp('prober@example.com');
    await t.api.signUp('probed@example.com');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      statuses.push((await ask(user.token, { email: 'probed@example.com', current_password: SIGN_UP_PASSWORD })).status);
    }
    // LOGIN_FREE_FAILURES (3) answered, then a wait
    expect(statuses).toEqual([409, 409, 409, 429, 429]);
    // and while it waits, any address waits too
    expect((await ask(user.token, { email: 'prober-new@example.com', current_password: SIGN_UP_PASSWORD })).status).toBe(429);
  });

  it('refuses the address at confirmation when another account has taken it since, once of two racing for it', async () => {
    const first = await t.api.signUp('racer-1@example.com');
    const second = await t.api.signUp('racer-2@example.com');
    const late = await t.api.signUp('late@example.com');
    for (const user of [first, second, late]) {
      expect((await ask(user.token, { email: 'contested@example.com', current_password: SIGN_UP_PASSWORD })).status).toBe(202);
    }
    const answers = await Promise.all([confirm(await lastLink(first.id)), confirm(await lastLink(second.id))]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    expect(answers.find((a) => a.status === 409)!.body).toMatchObject({
      code: 'email_taken',
      errors: [{ path: 'email', message: 'is taken' }],
    });

    expect(await confirm(await lastLink(late.id))).toMatchObject({ status: 409, body: { code: 'email_taken' } });
    expect(await emailOf(late.id)).toBe('late@example.com');
  });

  it('is cancelled by a password change, or the account disabled, before the link is followed', async () => {
    const user = await t.api.signUp('cancelled@example.com');
    expect((await ask(user.token, { email: 'never@example.com', current_password: SIGN_UP_PASSWORD })).status).toBe(202);
    const changed = await t.api.put(
      '/v1/me/password',
      { current_password: SIGN_UP_PASSWORD, new_password: 'a brand new long password' },
      { token: user.token },
    );
    expect(changed.status).toBe(204);
    expect(await confirm(await lastLink(user.id))).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'token', message: 'cancelled' }] },
    });
    expect(await emailOf(user.id)).toBe('cancelled@example.com');

    const disabled = await t.api.signUp('disabled@example.com');
    expect((await ask(disabled.token, { email: 'taker@example.com', current_password: SIGN_UP_PASSWORD })).status).toBe(202);
    const put = await t.api.put(`/v1/ops/users/${disabled.id}/disabled`, { disabled: true }, { token: t.admin.token });
    expect(put.status).toBe(200);
    expect(await confirm(await lastLink(disabled.id))).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'token', message: 'cancelled' }] },
    });
    expect(await emailOf(disabled.id)).toBe('disabled@example.com');
  });

  it('refuses the request whole when its mails cannot be started, so asking again is not too soon', async () => {
    const user = await t.api.signUp('no-temporal@example.com');
    const body = { email: 'no-temporal-new@example.com', current_password: SIGN_UP_PASSWORD };
    const working = t.deps.temporal.client;
    t.deps.temporal.client = new Client({
      connection: temporal.client.connection,
      namespace: `missing-${randomBytes(4).toString('hex')}`,
    });
    try {
      expect((await ask(user.token, body)).status).toBe(500);
    } finally {
      t.deps.temporal.client = working;
    }
    expect(await t.db.sql`select 1 from email_changes where user_id = ${user.id}`).toHaveLength(0);
    expect((await ask(user.token, body)).status).toBe(202);
  });

  it('voids a reset link mailed to the old address before the change', async () => {
    const user = await t.api.signUp('reset-before@example.com');
    const resets = { sql: t.db.sql, key: t.deps.keys.emailLinks, temporal: t.deps.temporal, ttlMs: 3_600_000 };
    await requestPasswordReset(resets, user.email);
    const [reset] = await t.db.sql`select id from password_resets where user_id = ${user.id}`;
    expect((await ask(user.token, { email: 'reset-after@example.com', current_password: SIGN_UP_PASSWORD })).status).toBe(202);
    expect((await confirm(await lastLink(user.id))).status).toBe(200);

    const resetLink = linkToken(t.deps.keys.emailLinks, 'password-reset', reset!.id as string);
    const used = await t.api.post('/v1/auth/password-reset/confirm', {
      token: resetLink,
      new_password: 'the old mailbox takes it',
    });
    expect(used).toMatchObject({ status: 400, body: { errors: [{ path: 'token', message: 'already used' }] } });
    expect((await t.api.post('/v1/auth/token', { email: 'reset-after@example.com', password: SIGN_UP_PASSWORD })).status).toBe(
      200,
    );
  });

  it('takes no reset link as a change link, nor a change link as a reset link', async () => {
    const user = await t.api.signUp('purposes@example.com');
    const resets = { sql: t.db.sql, key: t.deps.keys.emailLinks, temporal: t.deps.temporal, ttlMs: 3_600_000 };
    await requestPasswordReset(resets, user.email);
    await ask(user.token, { email: 'purposes-new@example.com', current_password: SIGN_UP_PASSWORD });
    const [reset] = await t.db.sql`select id from password_resets where user_id = ${user.id}`;
    const [change] = await t.db.sql`select id from email_changes where user_id = ${user.id}`;
    const invalid = { status: 400, body: { errors: [{ path: 'token', message: 'invalid' }] } };
    for (const token of [
      linkToken(t.deps.keys.emailLinks, 'password-reset', reset!.id as string),
      // a change link's id with the secret a reset link of that id would have
      linkToken(t.deps.keys.emailLinks, 'password-reset', change!.id as string),
    ]) {
      expect(await confirm(token)).toMatchObject(invalid);
    }
    for (const token of [await lastLink(user.id), linkToken(t.deps.keys.emailLinks, 'email-change', reset!.id as string)]) {
      expect(await t.api.post('/v1/auth/password-reset/confirm', { token, new_password: 'not by this link' })).toMatchObject(
        invalid,
      );
    }
    expect(await emailOf(user.id)).toBe('purposes@example.com');
  });

  it('takes a link only as mailed: its id written another way is no second link to guess under', async () => {
    const user = await t.api.signUp('hyphens@example.com');
    await ask(user.token, { email: 'hyphens-new@example.com', current_password: SIGN_UP_PASSWORD });
    const [id, secret] = (await lastLink(user.id)).split('.');
    // PostgreSQL reads a uuid with a hyphen after any four digits: the same row, another throttle subject
    const regrouped = id!.replaceAll('-', '').replace(/(.{4})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    expect(regrouped).toHaveLength(36);
    expect(await confirm(`${regrouped}.${secret}`)).toMatchObject({
      status: 400,
      body: { errors: [{ path: 'token', message: 'invalid' }] },
    });
    expect(await emailOf(user.id)).toBe('hyphens@example.com');
  });

  it('takes one of several requests sent at once, as one sent after another', async () => {
    const user = await t.api.signUp('at-once@example.com');
    const owner = { id: user.id, email: user.email, sessionVersion: 0 };
    const [row] = await t.db.sql`select session_version from users where id = ${user.id}`;
    owner.sessionVersion = row!.sessionVersion as number;
    const changes = emailChangeDeps(t.deps);
    const answers = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => requestEmailChange(changes, owner, `at-once-${i}@example.com`)),
    );
    expect(answers.filter((a) => a.status === 'fulfilled')).toHaveLength(1);
    expect(await t.db.sql`select 1 from email_changes where user_id = ${user.id}`).toHaveLength(1);
  });

  it('opens a page whose form applies the change; opening it alone does not', async () => {
    const user = await t.api.signUp('by-page@example.com');
    await ask(user.token, { email: 'by-page-new@example.com', current_password: SIGN_UP_PASSWORD });
    const token = await lastLink(user.id);

    const shown = await t.app.request(`http://sluice.test/confirm-email-change?token=${token}`);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(await shown.text()).toContain('action="/confirm-email-change"');
    expect(await emailOf(user.id)).toBe('by-page@example.com');

    const submitted = await t.app.request('http://sluice.test/confirm-email-change', {
      method: 'POST',
      body: new URLSearchParams({ token }),
    });
    expect(submitted.status).toBe(200);
    expect(await submitted.text()).toContain('by-page-new@example.com');
    expect(await emailOf(user.id)).toBe('by-page-new@example.com');
    const again = await t.app.request('http://sluice.test/confirm-email-change', {
      method: 'POST',
      body: new URLSearchParams({ token }),
    });
    expect(again.status).toBe(400);
  });
});
