/**
 * Email verification, password reset, password change and a change of address on the real stack, reading the mail the
 * SMTP sink caught.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Authenticator } from '../support/authenticator.js';
import { mailTo, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    mailSink: true,
    env: { WITHDRAWALS_REQUIRE_VERIFIED_EMAIL: 'true', PUBLIC_URL: 'https://app.example' },
  });
});
afterAll(() => stack?.stop());

const PASSWORD = 'a long enough password';
const tokenIn = (text: string, page: string) =>
  new RegExp(`https://app\\.example/${page}\\?token=([A-Za-z0-9_.-]+)`).exec(text)![1]!;
let n = 0;
const withdraw = (token: string) =>
  stack.api.post(
    '/v1/withdrawals',
    { currency: 'ETH', amount: '0.01', address: '0x2222222222222222222222222222222222222222' },
    { token, headers: { 'idempotency-key': `email-${++n}` } },
  );

describe('email verification', () => {
  it('mails a signed link at registration; unverified users sign in but cannot withdraw until they open it', async () => {
    const user = await stack.api.signUp('verify-me@example.com');
    const mail = await mailTo(stack, user.email, /confirm your email/i);
    const token = tokenIn(mail.text, 'verify-email');

    expect((await stack.api.get('/v1/me', { token: user.token })).body.email_verified).toBe(false);
    const refused = await withdraw(user.token);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('email_not_verified');

    const resend = await stack.api.post('/v1/me/email-verification', undefined, { token: user.token });
    expect(resend.status).toBe(429); // a link went out less than a minute ago
    expect(resend.body.code).toBe('rate_limited');
    const retryAfter = Number(resend.headers.get('retry-after')); // the seconds left of that minute
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`;
    const bad = await stack.api.post('/v1/auth/verify-email', { token: forged });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([{ path: 'token', message: 'invalid' }]);

    expect((await stack.api.post('/v1/auth/verify-email', { token })).body).toEqual({ email_verified: true });
    expect((await stack.api.post('/v1/auth/verify-email', { token })).status).toBe(200); // again: harmless
    expect((await stack.api.get('/v1/me', { token: user.token })).body.email_verified).toBe(true);
    expect((await withdraw(user.token)).body.code).toBe('insufficient_funds'); // past the email rule
    expect((await stack.api.post('/v1/me/email-verification', undefined, { token: user.token })).status).toBe(409);
  });

  it('lets an operator mark an email verified by hand', async () => {
    const user = await stack.api.signUp('override-me@example.com');
    expect((await withdraw(user.token)).body.code).toBe('email_not_verified');
    const override = await stack.api.put(
      `/v1/ops/users/${user.id}/email-verified`,
      { verified: true },
      { token: stack.admin.token },
    );
    expect(override.body).toEqual({ email_verified: true });
    expect((await withdraw(user.token)).body.code).toBe('insufficient_funds');
    expect(
      (await stack.api.put(`/v1/ops/users/${user.id}/email-verified`, { verified: true }, { token: user.token })).status,
    ).toBe(403);
  });
});

describe('password reset', () => {
  it('answers alike for any email, mails a single-use link that signs every session out', async () => {
    const user = await stack.api.signUp('forgetful@example.com');
    const session = await stack.api.post('/v1/auth/token', { email: user.email, password: PASSWORD });
    const known = await stack.api.post('/v1/auth/password-reset', { email: 'Forgetful@example.com' });
    const unknown = await stack.api.post('/v1/auth/password-reset', { email: 'nobody-here@example.com' });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(unknown.body).toEqual(known.body);

    const token = tokenIn((await mailTo(stack, user.email, /reset your password/i)).text, 'reset-password');
    const newPassword = 'a brand new long password';
    expect((await stack.api.post('/v1/auth/password-reset/confirm', { token, new_password: newPassword })).status).toBe(204);
    const second = await stack.api.post('/v1/auth/password-reset/confirm', { token, new_password: 'yet another long password' });
    expect(second.status).toBe(400);
    expect(second.body.errors).toEqual([{ path: 'token', message: 'already used' }]);

    expect((await stack.api.post('/v1/auth/refresh', { refresh_token: session.body.refresh_token })).body.detail).toBe(
      'the refresh token is revoked',
    );
    expect((await stack.api.post('/v1/auth/token', { email: user.email, password: PASSWORD })).status).toBe(401);
    expect((await stack.api.post('/v1/auth/token', { email: user.email, password: newPassword })).status).toBe(200);

    const inbox = await stack.api.get('/v1/ops/mail?to=nobody-here@example.com', { token: stack.admin.token });
    expect(inbox.body.data).toEqual([]);
    const forged = await stack.api.post('/v1/auth/password-reset/confirm', {
      token: `${token.split('.')[0]}.forged-secret`,
      new_password: newPassword,
    });
    expect(forged.body.errors).toEqual([{ path: 'token', message: 'invalid' }]);
  });

  it('changes the password with the current one and, with two-factor on, a TOTP code', async () => {
    const user = await stack.api.signUp('changer@example.com');
    const enrolled = await stack.api.post(
      '/v1/auth/totp/enroll',
      { current_password: 'a long enough password' },
      { token: user.token },
    );
    const app = new Authenticator(enrolled.body.secret as string);
    await stack.api.post(
      '/v1/auth/totp/verify',
      { code: await app.code(), current_password: 'a long enough password' },
      { token: user.token },
    );
    const change = (body: object) => stack.api.put('/v1/me/password', body, { token: user.token });

    const wrong = await change({ current_password: 'not the password', new_password: 'another long password' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.errors).toEqual([{ path: 'current_password', message: 'is wrong' }]);
    expect((await change({ current_password: PASSWORD, new_password: 'another long password' })).body).toMatchObject({
      code: 'totp_required',
      errors: [{ path: 'totp', message: 'is required' }],
    });
    const done = await change({ current_password: PASSWORD, new_password: 'another long password', totp: await app.code() });
    expect(done.status).toBe(204);
    const login = { email: user.email, password: 'another long password', totp: await app.code() };
    expect((await stack.api.post('/v1/auth/token', login)).status).toBe(200);
  });
});

describe('email change', () => {
  it('mails a single-use link to the new address and a notice with none to the old; the link moves the account there', async () => {
    const user = await stack.api.signUp('moving@example.com');
    const session = await stack.api.post('/v1/auth/token', { email: user.email, password: PASSWORD });
    const ask = (body: object) => stack.api.post('/v1/me/email-change', body, { token: user.token });
    expect(await ask({ email: 'moved@example.com', current_password: 'not the password' })).toMatchObject({
      status: 401,
      body: { errors: [{ path: 'current_password', message: 'is wrong' }] },
    });
    expect((await ask({ email: 'moved@example.com', current_password: PASSWORD })).status).toBe(202);

    const token = tokenIn(
      (await mailTo(stack, 'moved@example.com', /confirm your new email address/i)).text,
      'confirm-email-change',
    );
    const notice = await mailTo(stack, user.email, /change of your email address/i);
    expect(notice.text).toContain('m***@example.com');
    expect(notice.text).not.toContain('moved@example.com');
    expect(notice.text).not.toContain('token=');
    expect((await stack.api.get('/v1/me', { token: user.token })).body.email).toBe(user.email); // not until the link

    const confirmed = await stack.api.post('/v1/auth/email-change/confirm', { token });
    expect(confirmed).toMatchObject({ status: 200, body: { email: 'moved@example.com', email_verified: true } });
    const again = await stack.api.post('/v1/auth/email-change/confirm', { token });
    expect(again).toMatchObject({ status: 400, body: { errors: [{ path: 'token', message: 'already used' }] } });

    // every session signed out; the new address signs in, verified by the link
    expect((await stack.api.get('/v1/me', { token: user.token })).status).toBe(401);
    expect((await stack.api.post('/v1/auth/refresh', { refresh_token: session.body.refresh_token })).body.detail).toBe(
      'the refresh token is revoked',
    );
    expect((await stack.api.post('/v1/auth/token', { email: user.email, password: PASSWORD })).status).toBe(401);
    const moved = await stack.api.login('moved@example.com', PASSWORD);
    expect((await stack.api.get('/v1/me', { token: moved })).body).toMatchObject({
      email: 'moved@example.com',
      email_verified: true,
    });
    expect((await withdraw(moved)).body.code).toBe('insufficient_funds'); // past the verified-email rule
    const events = await stack.api.get(`/v1/ops/security-events?user_id=${user.id}&kind=email_changed`, {
      token: stack.admin.token,
    });
    expect(events.body.data).toMatchObject([{ kind: 'email_changed', detail: { from: user.email, to: 'moved@example.com' } }]);
  });
});
