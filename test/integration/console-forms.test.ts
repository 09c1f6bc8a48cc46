/**
 * The console's forms and refreshes as a browser uses them: what a form sent twice, unconfirmed or refused does (over plain
 * HTTP, as the pages render them), and what an htmx refresh does once the session has ended, its operator's role was
 * taken away or what it shows is gone (in Debian's chromium).
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describe, expect, it, vi } from 'vitest';
import { appWithConsoleAdmin } from '../support/console-app.js';
import type { Page } from 'playwright-core';
import { launchBrowser, signInToConsole } from '../support/browser.js';
import { ConsoleHttp } from '../support/console-http.js';
import { signUpMerchant } from '../support/merchant.js';

const app = appWithConsoleAdmin();

/** The fields of the form on `html` whose button is labelled `label` (its hidden inputs, as a browser sends them). */
function formOf(html: string, label: string): Record<string, string> {
  const form = [...html.matchAll(/<form[\s\S]*?<\/form>/g)].map((m) => m[0]).find((f) => f.includes(`aria-label="${label}"`));
  if (!form) throw new Error(`no form with the button ${label}`);
  return Object.fromEntries([...form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]));
}

/** Runs `use` with a page of Debian's chromium and the in-process app served on a port of its own. */
async function inBrowser(use: (page: Page, url: string) => Promise<void>): Promise<void> {
  const server = serve({ fetch: app.t.app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  const browser = await launchBrowser();
  try {
    await use(await browser.newPage(), `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    await browser.close();
    server.close();
  }
}

describe('the settings page', () => {
  it('keeps a provider where a form sent twice put it: a second Disable or Move up changes nothing more', async () => {
    const providers = async () =>
      (await app.t.api.get('/v1/ops/providers', { token: app.t.admin.token })).body.data.find(
        (p: { currency: string }) => p.currency === 'USD',
      ).providers;
    const order = [
      { id: 'first', enabled: true },
      { id: 'second', enabled: true },
      { id: 'third', enabled: true },
    ];
    expect(
      (await app.t.api.put('/v1/ops/providers', { currency: 'USD', providers: order }, { token: app.t.admin.token })).status,
    ).toBe(200);
    // the page as the operator saw it, and its form sent twice (a double click, or a page left open)
    const page = (await app.admin.get('/settings')).body;
    const sendTwice = async (label: string) => {
      const form = formOf(page, label);
      for (let i = 0; i < 2; i++) expect((await app.admin.post('/settings', '/settings/providers', form)).status).toBe(303);
    };

    await sendTwice('Disable: second (USD)');
    expect(await providers()).toEqual([order[0], { id: 'second', enabled: false }, order[2]]);

    await sendTwice('Move up: third (USD)');
    expect((await providers()).map((p: { id: string }) => p.id)).toEqual(['first', 'third', 'second']);

    const beyond = await app.admin.post('/settings', '/settings/providers', {
      currency: 'USD',
      provider: 'first',
      position: '4',
    });
    expect(beyond.status).toBe(400);
    expect(beyond.body).toContain('position: must be from 1 to 3');
  });
});

describe('the sign-in form', () => {
  it('sends the operator to the console home when its next is no path a redirect can carry', async () => {
    const form = await app.t.api.get('/ops/sign-in');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = form.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const signIn = (next: string) =>
      app.t.api.post('/ops/sign-in', undefined, {
        raw: new URLSearchParams({
          _csrf: csrf,
          email: app.t.admin.email,
          password: app.t.admin.password,
          totp: '',
          next,
        }).toString(),
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      });
    // a crafted link's line break: the Location header threw, a 500 once the password had been checked
    const crafted = await signIn('/ops/users\r\nx-injected: 1');
    expect([crafted.status, crafted.headers.get('location'), crafted.headers.get('x-injected')]).toEqual([303, '/ops/', null]);
    const usual = await signIn('/ops/withdrawals?status=queued');
    expect([usual.status, usual.headers.get('location')]).toEqual([303, '/ops/withdrawals?status=queued']);
  });
});

describe('the sign-in form in a browser', () => {
  it('comes back with the email typed and why, when the authenticator code is not 6 digits', { timeout: 60_000 }, async () => {
    await inBrowser(async (page, url) => {
      await page.goto(`${url}/ops/withdrawals?status=queued`);
      await page.getByLabel('Email').fill(app.t.admin.email);
      await page.getByLabel('Password').fill(app.t.admin.password);
      await page.getByLabel(/Authenticator code/).fill('12345');
      await page.getByRole('button', { name: 'Sign in' }).click();
      // the bare "Refused" page it showed had no form: the operator started again from the address bar
      await expect(page.getByRole('alert').textContent()).resolves.toBe('Authenticator code: must be 6 digits');
      await expect(page.getByLabel('Email').inputValue()).resolves.toBe(app.t.admin.email);
      // and where they were going is kept: signed in, they land there
      await page.getByLabel('Password').fill(app.t.admin.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/ops\/withdrawals\?status=queued$/);
    });
  });
});

describe("a withdrawal's reject form in a browser", () => {
  it('says a reason is too short before sending it, keeping what was typed', { timeout: 60_000 }, async () => {
    const user = await app.t.api.signUp('rejected-withdrawer@example.com');
    const [w] = await app.t.db.sql`
      insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, status, approval_required, counters)
      values (${user.id}, 'reject-form', 'USD', 1000, 10, 'addr', 'awaiting_approval', true, '[]') returning id`;
    await inBrowser(async (page, url) => {
      await signInToConsole(page, url, app.t.admin);
      await page.goto(`${url}/ops/withdrawals/${w!.id}`);
      await page.getByLabel('Reason for rejecting').fill('no');
      await page.getByLabel(/^Reject this withdrawal/).check();
      await page.getByRole('button', { name: 'Reject' }).click();
      // it went to the refusal page, and the reason typed was gone with the form
      expect(new URL(page.url()).pathname).toBe(`/ops/withdrawals/${w!.id}`);
      await expect(page.getByLabel('Reason for rejecting').inputValue()).resolves.toBe('no');
      const tooShort = await page
        .getByLabel('Reason for rejecting')
        .evaluate((el) => (el as unknown as { validity: { tooShort: boolean } }).validity.tooShort);
      expect(tooShort).toBe(true);
    });
    expect((await app.t.db.sql`select status from withdrawals where id = ${w!.id}`)[0]!.status).toBe('awaiting_approval');
  });
});

describe('the notifications page', () => {
  it('asks an admin to confirm stopping a broadcast, and offers it to no one else', async () => {
    const operator = await app.t.api.signUp('broadcast-watcher@example.com');
    await app.t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'operator' }, { token: app.t.admin.token });
    const [broadcast] = await app.t.db.sql`
      insert into broadcasts (title, message, channels, created_by) values ('Maintenance', 'Back soon', '{email}', ${app.t.admin.id})
      returning id`;
    const cancel = `/notifications/broadcasts/${broadcast!.id}/cancel`;
    const running = async () => (await app.t.db.sql`select status from broadcasts where id = ${broadcast!.id}`)[0]!.status;

    const operatorsPage = (await (await ConsoleHttp.signIn(app.t.api, operator.email)).get('/notifications')).body;
    expect(operatorsPage).toContain('Maintenance');
    expect(operatorsPage).not.toContain(`action="/ops${cancel}"`);

    const adminsPage = (await app.admin.get('/notifications')).body;
    expect(adminsPage).toContain(`id="confirm-cancel-${broadcast!.id}"`);
    const unconfirmed = await app.admin.post('/notifications', cancel, {});
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body).toContain('tick the confirmation box');
    expect(await running()).toBe('running');
  });
});

describe("a broadcast's cancel", () => {
  it('says what it did: cancelled, or why not, on the notifications page', async () => {
    const [broadcast] = await app.t.db.sql`
      insert into broadcasts (title, message, channels, created_by) values ('Outage', 'Soon fixed', '{email}', ${app.t.admin.id})
      returning id`;
    const cancel = `/notifications/broadcasts/${broadcast!.id}/cancel`;
    // its workflow is not running (no worker runs broadcasts here): the refusal was a bare page, or nothing at all
    const refused = await app.admin.post('/notifications', cancel, { confirm: 'yes' });
    expect(refused.status).toBe(409);
    expect(refused.body).toContain('<caption>Broadcasts, newest first</caption>');
    expect(refused.body).toContain('<p class="error" role="alert">Not done: the broadcast is not running</p>');

    // a running one's workflow takes the cancel (stood in for here): the page says so, as other actions' do
    const progress = { state: 'running', cursor: null, pages: 1, sent: 10, failed: 0 };
    const handle = { executeUpdate: async () => progress, query: async () => progress };
    const spy = vi.spyOn(app.t.deps.temporal.client.workflow, 'getHandle').mockReturnValue(handle as never);
    try {
      const done = await app.admin.post('/notifications', cancel, { confirm: 'yes' });
      expect([done.status, done.headers.get('location')]).toEqual([303, '/ops/notifications?done=cancelled']);
    } finally {
      spy.mockRestore();
    }
    const shown = await app.admin.get('/notifications?done=cancelled');
    expect(shown.body).toContain('<p class="notice" role="status">Broadcast cancelled: who has not got it yet never will.</p>');
  });
});

describe('a notification template', () => {
  const page = '/notifications/templates/broadcast/email';

  it('keeps the draft a save refused, beside the field at fault, and says when it is saved', async () => {
    const draft = { subject: 'Maintenance: {{title}}', body: '<p>Dear {{no_such_name}},</p>\n<p>{{message}}</p>' };
    const refused = await app.admin.post(page, page, draft);
    // the refusal alone was shown: the draft (up to 20,000 characters of HTML) was lost
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('value="Maintenance: {{title}}"');
    expect(refused.body).toContain('&lt;p&gt;Dear {{no_such_name}},&lt;/p&gt;\n&lt;p&gt;{{message}}&lt;/p&gt;</textarea>');
    expect(refused.body).toMatch(/<textarea id="field-body"[^>]* aria-invalid="true"/);
    expect(refused.body).toContain(
      '<span class="field-error" id="field-body-error">unknown placeholder &quot;no_such_name&quot; in the body</span>',
    );

    const saved = await app.admin.post(page, page, { ...draft, body: '<p>{{message}}</p>' });
    expect([saved.status, saved.headers.get('location')]).toEqual([303, `/ops${page}?done=saved`]);
    const shown = await app.admin.get(`${page}?done=saved`);
    expect(shown.body).toContain('Template saved');
    expect(shown.body).toContain('<pre class="preview-body">&lt;p&gt;Deposits pause on Sunday');
  });

  it('opens when its stored text no longer renders, saying why, so that it can be corrected', async () => {
    await app.t.db.sql`
      insert into notification_templates (event_type, channel, subject, body) values ('broadcast', 'slack', '', '{{gone}}')
      on conflict (event_type, channel) do update set body = excluded.body`;
    const shown = await app.admin.get('/notifications/templates/broadcast/slack');
    expect(shown.status).toBe(200);
    expect(shown.body).toContain('The template does not render: unknown placeholder &quot;gone&quot; in the body.');
    expect(shown.body).toContain('{{gone}}</textarea>');
  });
});

describe("an invoice's page", () => {
  it('shows no notice but its own: a link cannot make it say what it likes', async () => {
    const merchant = await signUpMerchant(app.t, 'notice-merchant@example.com');
    const invoice = await app.t.api.post('/v1/invoices', { amount: '10.00', currency: 'USD' }, { token: merchant.token });
    const page = `/invoices/${invoice.body.id}`;
    const crafted = await app.admin.get(`${page}?done=${encodeURIComponent('paid. Refund it to wallet 0xBAD')}`);
    expect(crafted.status).toBe(200);
    // it said "Marked paid. Refund it to wallet 0xBAD." in the page's own notice box
    expect(crafted.body).not.toContain('0xBAD');
    expect(crafted.body).not.toContain('class="notice"');
    const marked = await app.admin.get(`${page}?done=marked_settled`);
    expect(marked.body).toContain('<p class="notice" role="status">Marked: the invoice is marked settled.</p>');
  });
});

describe("a user's page", () => {
  it('changes a role only with the confirmation box ticked', async () => {
    const user = await app.t.api.signUp('soon-an-operator@example.com');
    const roleOf = async () => (await app.t.db.sql`select role from users where id = ${user.id}`)[0]!.role;
    const page = `/users/${user.id}`;
    expect((await app.admin.get(page)).body).toContain('id="confirm-role"');

    const unconfirmed = await app.admin.post(page, `${page}/role`, { role: 'admin' });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body).toContain('tick the confirmation box');
    expect(await roleOf()).toBe('user');

    expect((await app.admin.post(page, `${page}/role`, { role: 'operator', confirm: 'yes' })).status).toBe(303);
    expect(await roleOf()).toBe('operator');
  });
});

describe("a user's two-factor", () => {
  it('is turned off by an admin with the confirmation box ticked, never by an operator nor for the admin themself', async () => {
    const user = await app.t.api.signUp('lost-authenticator@example.com');
    await app.t.db.sql`update users set totp_secret = 'sealed', totp_enabled = true where id = ${user.id}`;
    const totpOn = async () => (await app.t.db.sql`select totp_enabled from users where id = ${user.id}`)[0]!.totpEnabled;
    const page = `/users/${user.id}`;
    expect((await app.admin.get(page)).body).toContain('id="confirm-totp"');

    const unconfirmed = await app.admin.post(page, `${page}/totp`, {});
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.body).toContain('tick the confirmation box');
    expect(await totpOn()).toBe(true);

    const operator = await app.t.api.signUp('totp-watcher@example.com');
    await app.t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'operator' }, { token: app.t.admin.token });
    const asOperator = await ConsoleHttp.signIn(app.t.api, operator.email);
    expect((await asOperator.get(page)).body).not.toContain('id="confirm-totp"');
    expect((await asOperator.post(page, `${page}/totp`, { confirm: 'yes' })).status).toBe(403);
    expect(await totpOn()).toBe(true);

    const done = await app.admin.post(page, `${page}/totp`, { confirm: 'yes' });
    expect([done.status, done.headers.get('location')]).toEqual([303, `/ops${page}?done=totp`]);
    expect(await totpOn()).toBe(false);
    const [event] = await app.t.db
      .sql`select actor_id from security_events where kind = 'totp_disabled' and user_id = ${user.id}`;
    expect(event).toEqual({ actorId: app.t.admin.id });

    // an admin's own is not turned off here: the form is not offered, and the service refuses it
    const own = `/users/${app.t.admin.id}`;
    await app.t.db.sql`update users set totp_secret = 'sealed', totp_enabled = true where id = ${app.t.admin.id}`;
    try {
      expect((await app.admin.get(own)).body).not.toContain('id="confirm-totp"');
      expect((await app.admin.post(own, `${own}/totp`, { confirm: 'yes' })).status).toBe(403);
    } finally {
      await app.t.db.sql`update users set totp_secret = null, totp_enabled = false where id = ${app.t.admin.id}`;
    }
  });
});

describe('a session that ends while a page refreshes itself', () => {
  it('sends the browser to sign in, and back to the page, not to the fragment it was refreshing', async () => {
    const refresh = await app.t.api.get('/ops/betting/42/progress', {
      headers: { 'hx-request': 'true', 'hx-current-url': 'http://sluice.test/ops/betting/42' },
    });
    expect(refresh.status).toBe(401);
    expect(refresh.headers.get('hx-redirect')).toBe(`/ops/sign-in?next=${encodeURIComponent('/ops/betting/42')}`);
    // a page asked for by the browser itself is still a redirect
    const page = await app.t.api.get('/ops/withdrawals?status=queued');
    expect([page.status, page.headers.get('location')]).toEqual([
      303,
      '/ops/sign-in?next=%2Fops%2Fwithdrawals%3Fstatus%3Dqueued',
    ]);
  });

  it('leaves the withdrawal queue for the sign-in form when the session ends under it', { timeout: 60_000 }, async () => {
    await inBrowser(async (page, url) => {
      await signInToConsole(page, url, app.t.admin);
      await page.goto(`${url}/ops/withdrawals?status=queued`);
      await page.locator('#queue').waitFor();
      await app.t.db.sql`delete from console_sessions where user_id = ${app.t.admin.id}`;
      // the queue refreshes every 5 s: its next refresh meets the ended session
      await page.waitForURL(/\/ops\/sign-in\?next=/, { timeout: 15_000 });
      expect(new URL(page.url()).searchParams.get('next')).toBe('/ops/withdrawals?status=queued');
      await expect(page.getByLabel('Password').count()).resolves.toBe(1);
    });
  });
});

describe('a refresh the console refuses (403) or of what is gone (404)', () => {
  it('answers htmx with the refusal to put in place of what refreshes', async () => {
    // an operator signed in, then made a plain user: their session's next request is refused
    const operator = await app.t.api.signUp('demoted-at-once@example.com');
    await app.t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'operator' }, { token: app.t.admin.token });
    const console = await ConsoleHttp.signIn(app.t.api, operator.email);
    await app.t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'user' }, { token: app.t.admin.token });
    const refresh = await console.get('/betting/42/progress', { 'hx-request': 'true' });
    expect(refresh.status).toBe(403);
    expect([refresh.headers.get('hx-retarget'), refresh.headers.get('hx-reswap')]).toEqual(['this', 'outerHTML']);
    expect(refresh.body).toBe('<p class="error" role="alert">The console is for operators and admins.</p>');
    // the browser's own request for the page is still the whole 403 page
    const page = await console.get('/betting/42');
    expect([page.status, page.body.startsWith('<!DOCTYPE html>')]).toEqual([403, true]);
  });

  it('answers htmx with what is gone, to put in place of what refreshes, so it stops asking', async () => {
    // a bet event's settlement progress, refreshing after the event vanished: htmx dropped the 404 and kept polling
    // signed in again: a test above ended the admin's sessions
    const admin = await ConsoleHttp.signIn(app.t.api, app.t.admin.email, app.t.admin.password);
    const refresh = await admin.get('/betting/987654321/progress', { 'hx-request': 'true' });
    expect(refresh.status).toBe(404);
    expect([refresh.headers.get('hx-retarget'), refresh.headers.get('hx-reswap')]).toEqual(['this', 'outerHTML']);
    expect(refresh.body).toMatch(/^<p class="error" role="alert">[^<]+<\/p>$/);
    const page = await admin.get('/betting/987654321');
    expect([page.status, page.body.startsWith('<!DOCTYPE html>')]).toEqual([404, true]);
  });

  it("shows what is gone in place of an event's settlement progress, which stops refreshing", { timeout: 60_000 }, async () => {
    const [event] = await app.t.db.sql`
      insert into bet_events (title, coefficient, deadline, created_by)
      values ('Vanishing', 150, now() + interval '1 hour', ${app.t.admin.id}) returning id`;
    await inBrowser(async (page, url) => {
      await signInToConsole(page, url, app.t.admin);
      await page.goto(`${url}/ops/betting/${event!.id}`);
      await page.locator('#settlement').waitFor();
      const refreshes: string[] = [];
      page.on('request', (r) => {
        if (r.headers()['hx-request'] === 'true') refreshes.push(r.url());
      });
      await app.t.db.sql`delete from bet_events where id = ${event!.id}`;
      // the progress refreshes every 2 s: its next refresh finds no event, and says so in its place
      await page.getByRole('alert').waitFor({ timeout: 15_000 });
      expect(await page.getByRole('alert').textContent()).toBe('no such event');
      expect(await page.locator('#settlement').count()).toBe(0);
      const gone = refreshes.length;
      await page.waitForTimeout(5_000);
      expect(refreshes.length).toBe(gone);
    });
  });

  it('shows the refusal in place of the withdrawal queue, which stops refreshing', { timeout: 60_000 }, async () => {
    const operator = await app.t.api.signUp('demoted-operator@example.com');
    await app.t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'operator' }, { token: app.t.admin.token });
    await inBrowser(async (page, url) => {
      await signInToConsole(page, url, { email: operator.email, password: 'a long enough password' });
      await page.waitForURL(/\/ops\/dashboard$/);
      await page.goto(`${url}/ops/withdrawals?status=queued`);
      await page.locator('#queue').waitFor();
      const refreshes: string[] = [];
      page.on('request', (r) => {
        if (r.headers()['hx-request'] === 'true') refreshes.push(r.url());
      });
      await app.t.api.put(`/v1/ops/users/${operator.id}/role`, { role: 'user' }, { token: app.t.admin.token });
      // the queue refreshes every 5 s: its next refresh is refused, and the refusal takes its place
      await page.getByRole('alert').waitFor({ timeout: 15_000 });
      expect(await page.getByRole('alert').textContent()).toBe('The console is for operators and admins.');
      expect(await page.locator('#queue').count()).toBe(0);
      const refused = refreshes.length;
      await page.waitForTimeout(6_000);
      expect(refreshes.length).toBe(refused);
      expect(new URL(page.url()).pathname).toBe('/ops/withdrawals');
    });
  });
});
