/**
 * The API's caches of users, API keys and transfer rules against changes made elsewhere: each row is changed with
 * SQL, as another API process or an operator's script would, so only the LISTEN/NOTIFY path can tell the app. Each
 * change must be seen within a second (in practice milliseconds).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ConsoleHttp } from '../support/console-http.js';
import { signedHeaders } from '../support/signed-request.js';
import { hashPassword } from '../../platform/crypto/passwords.js';
import { revokeAllRefreshTokens } from '../../services/users-auth/refresh-tokens-store.js';
import { signIn } from '../../services/users-auth/sign-in.js';
import { signInGuard } from '../../api/http/sign-in-guard.js';
import { setPasswordHash } from '../../services/users-auth/users-store.js';

const WITHIN_MS = 1_000;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
  const deadline = Date.now() + 10_000;
  while (!t.caches.live()) {
    if (Date.now() > deadline) throw new Error('the invalidation listener did not start');
    await sleep(20);
  }
});
afterAll(() => t?.close());

/** How long `probe` took to return true, polling every 10 ms; fails after `withinMs` (a second). */
async function msUntil(probe: () => Promise<boolean>, withinMs = WITHIN_MS): Promise<number> {
  const started = Date.now();
  while (!(await probe())) {
    if (Date.now() - started > withinMs) throw new Error(`not seen within ${withinMs} ms`);
    await sleep(10);
  }
  return Date.now() - started;
}

describe('cached credentials, changed behind the API', () => {
  it('refuses a disabled user’s token and API key within a second, and accepts them again once re-enabled', async () => {
    const user = await t.api.signUp('disabled@example.com');
    const created = await t.api.createApiKey(user, { name: 'bot' });
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    const viaToken = async () => (await t.api.get('/v1/me', { token: user.token })).status;
    const viaKey = async () => (await t.api.get('/v1/balances', { headers: signedHeaders(key, 'GET', '/v1/balances') })).status;
    expect([await viaToken(), await viaKey()]).toEqual([200, 200]); // both now cached

    await t.db.sql`update users set disabled_at = now() where id = ${user.id}`;
    expect(await msUntil(async () => (await viaToken()) === 401)).toBeLessThan(WITHIN_MS);
    expect(await viaKey()).toBe(401);
    expect((await t.api.post('/v1/auth/token', { email: user.email, password: 'a long enough password' })).status).toBe(401);

    await t.db.sql`update users set disabled_at = null where id = ${user.id}`;
    expect(await msUntil(async () => (await viaToken()) === 200)).toBeLessThan(WITHIN_MS);
  });

  it('refuses a revoked API key within a second', async () => {
    const user = await t.api.signUp('revoked@example.com');
    const created = await t.api.createApiKey(user, { name: 'bot' });
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    const viaKey = async () => (await t.api.get('/v1/balances', { headers: signedHeaders(key, 'GET', '/v1/balances') })).status;
    expect(await viaKey()).toBe(200);
    await t.db.sql`update api_keys set revoked_at = now() where id = ${key.id}`;
    expect(await msUntil(async () => (await viaKey()) === 401)).toBeLessThan(WITHIN_MS);
  });

  it('applies a role change and a new IP allow-list within a second', async () => {
    const user = await t.api.signUp('promoted@example.com');
    const opsPage = async () => (await t.api.get('/v1/ops/users', { token: user.token })).status;
    expect(await opsPage()).toBe(403);
    await t.db.sql`update users set role = 'operator' where id = ${user.id}`;
    expect(await msUntil(async () => (await opsPage()) === 200)).toBeLessThan(WITHIN_MS);

    const fromAddress = async () =>
      (await t.api.get('/v1/me', { token: user.token, headers: { 'x-forwarded-for': '198.51.100.7' } })).status;
    expect(await fromAddress()).toBe(200);
    await t.db.sql`update users set ip_allowlist = '{10.0.0.0/8}'::cidr[] where id = ${user.id}`;
    expect(await msUntil(async () => (await fromAddress()) === 403)).toBeLessThan(WITHIN_MS);
  });

  it("ends a disabled operator's console session within a second, and refuses it from an address off their allow-list", async () => {
    const operator = await t.api.signUp('console-disabled@example.com');
    await t.db.sql`update users set role = 'operator' where id = ${operator.id}`;
    const cookie = (await ConsoleHttp.signIn(t.api, operator.email)).cookie;
    const usersPage = async (address = '198.51.100.8') =>
      (await t.api.get('/ops/users', { headers: { cookie, 'x-forwarded-for': address } })).status;
    expect(await msUntil(async () => (await usersPage()) === 200)).toBeLessThan(WITHIN_MS);

    await t.db.sql`update users set ip_allowlist = '{10.0.0.0/8}'::cidr[] where id = ${operator.id}`;
    expect(await msUntil(async () => (await usersPage()) === 403)).toBeLessThan(WITHIN_MS);
    expect(await usersPage('10.1.2.3')).toBe(200);

    await t.db.sql`update users set disabled_at = now() where id = ${operator.id}`;
    // a page sends the browser to sign in; a form is refused
    expect(await msUntil(async () => (await usersPage('10.1.2.3')) === 303)).toBeLessThan(WITHIN_MS);
    const post = await t.api.post('/ops/sign-out', undefined, {
      raw: '_csrf=x',
      headers: { cookie, 'x-forwarded-for': '10.1.2.3', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(post.status).toBe(401);
    // the session ended with the account: enabling it again does not bring it back
    await t.db.sql`update users set disabled_at = null where id = ${operator.id}`;
    await sleep(WITHIN_MS);
    expect(await usersPage('10.1.2.3')).toBe(303);
  });

  it("signs every session out at a password change: access tokens and console sessions at once, not a later sign-in's", async () => {
    const operator = await t.api.signUp('password-change@example.com');
    await t.db.sql`update users set role = 'operator' where id = ${operator.id}`;
    const cookie = (await ConsoleHttp.signIn(t.api, operator.email)).cookie;
    const me = async (token: string) => (await t.api.get('/v1/me', { token })).status;
    expect(await msUntil(async () => (await t.api.get('/ops/users', { headers: { cookie } })).status === 200)).toBeLessThan(
      WITHIN_MS,
    );

    const changed = await t.api.put(
      '/v1/me/password',
      { current_password: 'a long enough password', new_password: 'a brand new password' },
      { token: operator.token },
    );
    expect(changed.status).toBe(204);
    // in the same second as the change, a new sign-in's token works and the old one does not
    const after = await t.api.login(operator.email, 'a brand new password');
    expect([await me(operator.token), await me(after)]).toEqual([401, 200]);
    expect((await t.api.get('/ops/users', { headers: { cookie } })).status).toBe(303);
  });

  it('signs every session out and revokes every API key at a password reset', async () => {
    const user = await t.api.signUp('password-reset@example.com');
    const created = await t.api.createApiKey(user, { name: 'bot' });
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    const viaKey = async () => (await t.api.get('/v1/balances', { headers: signedHeaders(key, 'GET', '/v1/balances') })).status;
    expect(await viaKey()).toBe(200); // cached
    const [reset] = await t.db.sql`
      insert into password_resets (user_id, secret_hash, expires_at)
      values (${user.id}, ${createHash('sha256').update('the-secret').digest('hex')}, now() + interval '1 hour')
      returning id`;
    const confirmed = await t.api.post('/v1/auth/password-reset/confirm', {
      token: `${reset!.id}.the-secret`,
      new_password: 'a brand new password',
    });
    expect(confirmed.status).toBe(204);
    expect((await t.api.get('/v1/me', { token: user.token })).status).toBe(401);
    // a key made with a stolen password must not outlive the reset: refused at once, and listed revoked
    expect(await viaKey()).toBe(401);
    const token = await t.api.login(user.email, 'a brand new password');
    expect((await t.api.get('/v1/me', { token })).status).toBe(200);
    expect((await t.api.get('/v1/api-keys', { token })).body.data).toMatchObject([{ id: key.id, revoked: true }]);
    const [event] = await t.db.sql`select detail from security_events where user_id = ${user.id} and kind = 'password_reset'`;
    expect(event!.detail).toEqual({ api_keys_revoked: [key.id], telegram_unlinked: false, totp_enabled: false });
  });

  it('keeps API keys at a password change: it proves the current password, unlike a reset by mail', async () => {
    const user = await t.api.signUp('password-change-keys@example.com');
    const created = await t.api.createApiKey(user, { name: 'bot' });
    const key = { id: created.body.id as string, secret: created.body.secret as string };
    const changed = await t.api.put(
      '/v1/me/password',
      { current_password: 'a long enough password', new_password: 'a brand new password' },
      { token: user.token },
    );
    expect(changed.status).toBe(204);
    expect((await t.api.get('/v1/balances', { headers: signedHeaders(key, 'GET', '/v1/balances') })).status).toBe(200);
  });

  it('refuses a sign-in a password change overtook between its password check and its token: no refresh token survives', async () => {
    const user = await t.api.signUp('overtaken@example.com');
    const liveRefreshTokens = async () =>
      (await t.db.sql`select count(*)::int as n from refresh_tokens where user_id = ${user.id} and revoked_at is null`)[0]!.n;
    const changeTo = (password: string) =>
      t.db.sql.begin(async (tx) => {
        await setPasswordHash(tx, user.id, await hashPassword(password));
        await revokeAllRefreshTokens(tx, user.id);
      });

    // the password is checked, then a change commits before the sign-in stores its refresh token
    const checked = await signIn(signInGuard(t.deps), {
      email: user.email,
      password: 'a long enough password',
      ip: '::1',
    });
    await changeTo('a brand new password');
    expect(await t.deps.tokens.issue(t.db.sql, checked)).toBeNull();
    expect(await liveRefreshTokens()).toBe(0);

    // through the API, a change in flight while the old password is checked: storing the token waits for it, then refuses
    let signingIn: Promise<{ status: number; body: { detail: string } }> | undefined;
    await t.db.sql.begin(async (tx) => {
      await setPasswordHash(tx, user.id, await hashPassword('a third long password'));
      await revokeAllRefreshTokens(tx, user.id);
      signingIn = t.api.post('/v1/auth/token', { email: user.email, password: 'a brand new password' });
      // it has checked the password (the change is not committed) and waits on the user's row lock
      await msUntil(
        async () =>
          (
            await t.db
              .sql`select 1 from pg_stat_activity where wait_event_type = 'Lock' and query like '%insert into refresh_tokens%'`
          ).length > 0,
        10_000,
      );
    });
    expect(await signingIn).toMatchObject({ status: 401, body: { detail: 'invalid email or password' } });
    expect(await liveRefreshTokens()).toBe(0);
    expect((await t.api.post('/v1/auth/token', { email: user.email, password: 'a third long password' })).status).toBe(200);
  });

  it('refuses to rotate a refresh token issued under an earlier session version, even one left unrevoked', async () => {
    const user = await t.api.signUp('old-version@example.com');
    const signedIn = await t.api.post('/v1/auth/token', { email: user.email, password: 'a long enough password' });
    await t.db.sql`update users set session_version = session_version + 1 where id = ${user.id}`;
    const refreshed = await t.api.post('/v1/auth/refresh', { refresh_token: signedIn.body.refresh_token });
    expect(refreshed).toMatchObject({ status: 401, body: { detail: 'the refresh token is revoked' } });
  });

  it('applies new transfer rules within a second', async () => {
    const [alice, bob] = [await t.api.signUp('rules-a@example.com'), await t.api.signUp('rules-b@example.com')];
    await t.api.post(
      '/v1/ops/adjustments',
      { user_id: alice.id, currency: 'EUR', amount: '100.00', reason: 'test funding' },
      { token: t.admin.token, headers: { 'idempotency-key': 'fund-rules-a' } },
    );
    let n = 0;
    const send = async () =>
      (
        await t.api.post(
          '/v1/transfers',
          { to_user_id: bob.id, currency: 'EUR', amount: '1.00' },
          { token: alice.token, headers: { 'idempotency-key': `rules-${++n}` } },
        )
      ).body;
    expect((await send()).amount).toBe('1.00'); // the defaults, now cached
    await t.db.sql`
      insert into operation_settings (operation, subject, scope, scope_id, fields)
      values ('transfers', 'EUR', 'default', '', '{"enabled": false}')`;
    expect(await msUntil(async () => (await send()).code === 'currency_disabled')).toBeLessThan(WITHIN_MS);
  });
});
