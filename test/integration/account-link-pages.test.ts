/**
 * The links account mail sends (`<PUBLIC_URL>/verify-email?token=…`, `/reset-password?token=…`, PUBLIC_URL being the
 * API's own address by default) open pages of the API: opening one changes nothing, its form does what the JSON
 * routes do. They answered 404 before.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkSecret } from '../../services/users-auth/single-use-links.js';
import { emailVerificationToken } from '../../services/users-auth/email-links.js';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const PASSWORD = 'correct horse battery staple';

async function registered(email: string) {
  const created = await t.api.post('/v1/auth/register', { email, password: PASSWORD });
  expect(created.status).toBe(201);
  return created.body.id as string;
}

const open = (path: string) => t.app.request(`http://sluice.test${path}`);
const submit = (path: string, form: Record<string, string>) =>
  t.app.request(`http://sluice.test${path}`, { method: 'POST', body: new URLSearchParams(form) });
const tokenField = (html: string) => /name="token" value="([^"]+)"/.exec(html)?.[1];

describe('the verification link', () => {
  it('opens a page whose form verifies the email; opening it alone does not', async () => {
    const id = await registered('link-verify@example.com');
    const token = emailVerificationToken(
      t.deps.keys.emailLinks,
      { id, email: 'link-verify@example.com' },
      new Date(Date.now() + 3_600_000),
    );

    const shown = await open(`/verify-email?token=${token}`);
    expect(shown.status).toBe(200);
    expect(shown.headers.get('content-type')).toMatch(/text\/html/);
    expect(shown.headers.get('cache-control')).toBe('no-store');
    expect(shown.headers.get('content-security-policy')).toContain("form-action 'self'");
    const html = await shown.text();
    expect(tokenField(html)).toBe(token);
    expect(html).toContain('action="/verify-email"');
    const [before] = await t.db.sql`select email_verified_at from users where id = ${id}`;
    expect(before!.emailVerifiedAt).toBeNull();

    const confirmed = await submit('/verify-email', { token });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Your email address is confirmed');
    expect(
      (await t.api.get('/v1/me', { token: await t.api.login('link-verify@example.com', PASSWORD) })).body.email_verified,
    ).toBe(true);
  });

  it('shows a forged or malformed link refused, as the API refuses it', async () => {
    expect((await open('/verify-email?token=<script>')).status).toBe(400);
    const forged = await submit('/verify-email', { token: 'eyJ1IjoiYSJ9.forgedsignature' });
    expect(forged.status).toBe(400);
    expect(await forged.text()).toContain('invalid');
  });
});

describe('the password reset link', () => {
  async function resetLink(userId: string) {
    const resetId = randomUUID();
    const secret = linkSecret(t.deps.keys.emailLinks, 'password-reset', resetId);
    await t.db.sql`insert into password_resets (id, user_id, secret_hash, expires_at)
                   values (${resetId}, ${userId}, ${createHash('sha256').update(secret).digest('hex')}, now() + interval '1 hour')`;
    return `${resetId}.${secret}`;
  }

  it('opens a form that sets the new password once; opening it alone spends nothing', async () => {
    const id = await registered('link-reset@example.com');
    const token = await resetLink(id);

    const shown = await open(`/reset-password?token=${token}`);
    expect(shown.status).toBe(200);
    expect(tokenField(await shown.text())).toBe(token);

    const short = await submit('/reset-password', { token, new_password: 'short' });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('at least 12 characters');

    const changed = await submit('/reset-password', { token, new_password: 'a brand new passphrase' });
    expect(changed.status).toBe(200);
    expect(await changed.text()).toContain('Your password is changed');
    expect(
      (await t.api.post('/v1/auth/token', { email: 'link-reset@example.com', password: 'a brand new passphrase' })).status,
    ).toBe(200);
    const [event] = await t.db.sql`select kind from security_events where user_id = ${id} and kind = 'password_reset'`;
    expect(event).toBeDefined();

    const again = await submit('/reset-password', { token, new_password: 'yet another passphrase' });
    expect(again.status).toBe(400);
  });
});
