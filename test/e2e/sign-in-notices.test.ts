/**
 * Sign-in notices on the real stack, mailed to the account's owner (the events' default channel):
 * - login_new_ip: a sign-in from an address the account has not used before, once per address; the account's first
 *   sign-in and known addresses tell nobody;
 * - login_locked: sign-in locked after repeated failed guesses.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailTo, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
beforeAll(async () => {
  // behind a proxy, so a test can sign in from any address it names
  stack = await startStack({
    mailSink: true,
    // locked at the third failure, with no waits between the free ones
    env: { TRUST_PROXY: 'true', NOTIFICATION_DISPATCH_INTERVAL_MS: '200', LOGIN_FREE_FAILURES: '3', LOGIN_LOCKOUT_AFTER: '3' },
  });
});
afterAll(() => stack?.stop());

const PASSWORD = 'a long enough password';
const signInFrom = (email: string, ip: string) =>
  stack.api.post(
    '/v1/auth/token',
    { email, password: PASSWORD },
    { headers: { 'x-forwarded-for': ip, 'user-agent': 'new-ip-test/1.0' } },
  );

async function newIpMails(email: string): Promise<Array<{ subject: string; text: string }>> {
  const inbox = await stack.api.get(`/v1/ops/mail?to=${encodeURIComponent(email)}`, { token: stack.admin.token });
  return inbox.body.data.filter((m: { subject: string }) => /New sign-in to your Sluice account/.test(m.subject));
}

describe('login_new_ip', () => {
  it('tells the user once per new address, through notifyUser, and never for known ones', async () => {
    const email = 'new-ip@example.com';
    expect((await stack.api.post('/v1/auth/register', { email, password: PASSWORD })).status).toBe(201);
    expect((await signInFrom(email, '198.51.100.1')).status).toBe(200); // the first sign-in: nothing to compare with
    expect((await signInFrom(email, '198.51.100.1')).status).toBe(200);

    expect((await signInFrom(email, '203.0.113.77')).status).toBe(200);
    const mail = await mailTo(stack, email, /New sign-in to your Sluice account/, '203.0.113.77');
    expect(mail.text).toContain('203.0.113.77');

    expect((await signInFrom(email, '203.0.113.77')).status).toBe(200);
    expect((await signInFrom(email, '198.51.100.1')).status).toBe(200);
    // the notification is recorded for the user's in-app list too, once
    const [user] = await stack.db.sql`select id from users where email = ${email}`;
    const notices = await stack.db.sql`select key, body from notifications where user_id = ${user!.id} and kind = 'login_new_ip'`;
    expect(notices).toEqual([
      {
        key: `login-new-ip:${user!.id}:203.0.113.77`,
        body: { ip: '203.0.113.77', at: expect.any(String), user_agent: 'new-ip-test/1.0' },
      },
    ]);
    // a wrong password from a new address is no sign-in: nobody is told
    expect(
      (
        await stack.api.post(
          '/v1/auth/token',
          { email, password: 'wrong password!' },
          { headers: { 'x-forwarded-for': '192.0.2.5' } },
        )
      ).status,
    ).toBe(401);
    await sleep(1_000);
    expect(await newIpMails(email)).toHaveLength(1);
  });

  it('signs in behind a proxy whose first hop is a link-local address with a zone id, or not an address at all', async () => {
    const email = 'odd-hop@example.com';
    expect((await stack.api.post('/v1/auth/register', { email, password: PASSWORD })).status).toBe(201);
    // the zone names the proxy's interface, not the caller; PostgreSQL's inet refuses it (this was a 500)
    expect((await signInFrom(email, 'fe80::1%eth0')).status).toBe(200);
    // a hop that is no address is not the caller's: the socket's peer is
    expect((await signInFrom(email, 'unknown')).status).toBe(200);
    const [user] = await stack.db.sql`select id from users where email = ${email}`;
    const ips = await stack.db.sql`select host(ip) as ip from user_sign_in_ips where user_id = ${user!.id}`;
    expect(ips.map((r) => r.ip)).toContain('fe80::1');
  });

  it('mails the owner of an account locked after repeated failed guesses, with the address they came from', async () => {
    const email = 'locked@example.com';
    expect((await stack.api.post('/v1/auth/register', { email, password: PASSWORD })).status).toBe(201);
    const guess = () =>
      stack.api.post('/v1/auth/token', { email, password: 'a wrong guess!!' }, { headers: { 'x-forwarded-for': '192.0.2.66' } });
    for (let i = 0; i < 3; i++) expect((await guess()).status).toBe(401);
    expect((await signInFrom(email, '198.51.100.1')).status).toBe(429); // the right password, but locked

    const mail = await mailTo(stack, email, /Sign-in locked after repeated failed attempts/, '192.0.2.66');
    expect(mail.text).toMatch(/locked until \d{4}-\d\d-\d\dT/);
    const [user] = await stack.db.sql`select id from users where email = ${email}`;
    const notices = await stack.db.sql`select kind, severity from notifications where user_id = ${user!.id}`;
    expect(notices).toEqual([{ kind: 'login_locked', severity: 'warning' }]);
  });
});
