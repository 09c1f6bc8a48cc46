/**
 * A console form the server refuses (a field that does not parse, or a rule of the service) comes back on its page as
 * the operator typed it, with why beside the field it names: the balance adjustment, a withdrawal's close and reject,
 * a reconciliation's adjustment, an invoice's mark, a user's verification and an XRPL address to watch, over plain
 * HTTP; and the balance adjustment as an operator meets it, in Debian's chromium. Each used to answer with a bare
 * "Refused" page, and what was typed was lost with the form.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { describe, expect, it } from 'vitest';
import { insertReconciliation } from '../../services/reconciliation/store.js';
import { launchBrowser, signInToConsole } from '../support/browser.js';
import { appWithConsoleAdmin } from '../support/console-app.js';
import { signUpMerchant } from '../support/merchant.js';

const app = appWithConsoleAdmin();

/** The input or textarea `id` of the page: what it shows, and the error said beside it. */
function field(html: string, id: string): { value: string | null; error: string | null } {
  const input = new RegExp(`<input id="${id}"[^>]*>`).exec(html)?.[0];
  const value = input
    ? (/ value="([^"]*)"/.exec(input)?.[1] ?? null)
    : (new RegExp(`<textarea id="${id}"[^>]*>([^<]*)</textarea>`).exec(html)?.[1] ?? null);
  const error = new RegExp(`<span class="field-error" id="${id}-error">([^<]*)</span>`).exec(html)?.[1] ?? null;
  return { value, error };
}

/** The option chosen in the select `id` of the page. */
function selected(html: string, id: string): string | null {
  const select = new RegExp(`<select id="${id}"[\\s\\S]*?</select>`).exec(html)?.[0] ?? '';
  return /<option value="([^"]*)" selected/.exec(select)?.[1] ?? null;
}

const alertOf = (html: string) => /<p class="error" role="alert">([^<]*)<\/p>/.exec(html)?.[1] ?? null;

async function withdrawalIn(status: string, key: string): Promise<string> {
  const user = await app.t.api.signUp(`${key}@example.com`);
  const [w] = await app.t.db.sql`
    insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, status, approval_required, counters)
    values (${user.id}, ${key}, 'USD', 1000, 10, 'addr', ${status}, true, '[]') returning id`;
  return w!.id;
}

describe('a refused balance adjustment', () => {
  it('comes back on the user page with the amount and reason as typed, the error beside the amount', async () => {
    const user = await app.t.api.signUp('adjusted-by-hand@example.com');
    const page = `/users/${user.id}`;
    const refused = await app.admin.post(page, `${page}/adjust`, {
      key: randomUUID(),
      currency: 'USD',
      amount: '12.3.4',
      reason: 'goodwill after the outage',
      confirm: 'yes',
    });
    expect(refused.status).toBe(400);
    expect(refused.body).toContain('<caption>Posted and pending, per currency</caption>');
    expect(field(refused.body, 'field-amount').value).toBe('12.3.4');
    expect(field(refused.body, 'field-amount').error).toBeTruthy();
    expect(field(refused.body, 'field-reason').value).toBe('goodwill after the outage');
    expect(selected(refused.body, 'field-currency')).toBe('USD');
    expect(alertOf(refused.body)).toMatch(/^Not done: amount must be a decimal string/);
    // the other forms of the page are as they were: the verification form shows the user's status
    expect(selected(refused.body, 'field-status')).toBe('none');

    // a rule of the service refusing it (more than the user holds) comes back the same way
    const overdrawn = await app.admin.post(page, `${page}/adjust`, {
      key: randomUUID(),
      currency: 'USD',
      amount: '-5',
      reason: 'reverse a credit',
      confirm: 'yes',
    });
    expect([overdrawn.status, alertOf(overdrawn.body)]).toEqual([422, 'Not done: insufficient available balance']);
    // the refusal names the amount, the field the operator would change
    expect(field(overdrawn.body, 'field-amount')).toEqual({
      value: '-5',
      error: 'is more than the account&#39;s available balance',
    });
    expect(field(overdrawn.body, 'field-reason').value).toBe('reverse a credit');
  });
});

describe("a withdrawal's refused close and reject", () => {
  it('come back on its page with what was typed, the error beside the note or reason', async () => {
    const id = await withdrawalIn('broadcast', 'closed-by-hand');
    const page = `/withdrawals/${id}`;
    const close = await app.admin.post(page, `${page}/close`, {
      outcome: 'failed',
      tx_hash: '0xabc123',
      note: 'no',
      confirm: 'yes',
    });
    expect(close.status).toBe(400);
    expect(field(close.body, 'field-tx_hash')).toEqual({ value: '0xabc123', error: null });
    expect(field(close.body, 'field-note')).toEqual({ value: 'no', error: 'must be at least 3 characters' });
    expect(selected(close.body, 'field-outcome')).toBe('failed');
    expect((await app.t.db.sql`select status from withdrawals where id = ${id}`)[0]!.status).toBe('broadcast');

    const waiting = await withdrawalIn('awaiting_approval', 'rejected-by-hand');
    const reject = await app.admin.post(`/withdrawals/${waiting}`, `/withdrawals/${waiting}/reject`, {
      reason: '  x ',
      confirm: 'yes',
    });
    expect(reject.status).toBe(400);
    expect(field(reject.body, 'field-reason')).toEqual({ value: '  x ', error: 'must be at least 3 characters' });
  });
});

describe("a reconciliation's refused adjustment", () => {
  it("comes back in its own line's form as typed; the other lines' forms keep their amounts", async () => {
    const id = randomUUID();
    const line = (account: string, unexplained: string) => ({
      account,
      currency: 'USD',
      ledger: '0',
      chain: unexplained,
      drift: unexplained,
      inFlight: '0',
      awaitingConfirmations: '0',
      held: '0',
      unswept: '0',
      unexplained,
      alert: true,
    });
    const at = new Date().toISOString();
    await insertReconciliation(app.t.db.sql, {
      id,
      workflowId: `reconciliation:manual:${id}`,
      trigger: 'manual',
      startedAt: at,
      finishedAt: at,
      ok: false,
      booked: { networkFees: 0, topUps: 0 },
      lines: [line('custody:evm:1', '1500'), line('custody:evm:2', '700')],
      belowMinimum: [],
    });
    const page = `/reconciliations/${id}`;
    const refused = await app.admin.post(page, `${page}/adjust`, {
      key: randomUUID(),
      _row: 'custody:evm:2 USD',
      account: 'custody:evm:2',
      currency: 'USD',
      amount: 'seven',
      reason: 'a wallet funded before Sluice',
      confirm: 'yes',
    });
    expect(refused.status).toBe(400);
    expect(field(refused.body, 'field-amount-1').value).toBe('seven');
    expect(field(refused.body, 'field-amount-1').error).toBeTruthy();
    expect(field(refused.body, 'field-reason-1').value).toBe('a wallet funded before Sluice');
    expect(field(refused.body, 'field-amount-0')).toEqual({ value: '15.00', error: null });
    expect(field(refused.body, 'field-reason-0').value).toBe(null);
  });
});

describe("an invoice's refused mark", () => {
  it('comes back with the mark chosen and the note typed, the error beside the note', async () => {
    const merchant = await signUpMerchant(app.t, 'refused-mark-merchant@example.com');
    const invoice = await app.t.api.post('/v1/invoices', { amount: '10.00', currency: 'USD' }, { token: merchant.token });
    const page = `/invoices/${invoice.body.id}`;
    const refused = await app.admin.post(page, `${page}/mark`, { mark: 'marked_invalid', note: 'no', confirm: 'yes' });
    expect(refused.status).toBe(400);
    expect(selected(refused.body, 'field-mark')).toBe('marked_invalid');
    expect(field(refused.body, 'field-note').value).toBe('no');
    expect(field(refused.body, 'field-note').error).toBeTruthy();
  });
});

describe('other refused console forms', () => {
  it("keep a user's verification level and an XRPL address as typed", async () => {
    const user = await app.t.api.signUp('verified-by-hand@example.com');
    const page = `/users/${user.id}`;
    const level = await app.admin.post(page, `${page}/verification`, { status: 'verified', level: '100', confirm: 'yes' });
    expect(level.status).toBe(400);
    expect(field(level.body, 'field-level').value).toBe('100');
    expect(field(level.body, 'field-level').error).toBeTruthy();
    expect(selected(level.body, 'field-status')).toBe('verified');

    const watch = await app.admin.post('/xrpl-accounts', '/xrpl-accounts', { address: 'rNotAnAddress', label: 'cold wallet' });
    expect(watch.status).toBe(400);
    expect(field(watch.body, 'field-address')).toEqual({
      value: 'rNotAnAddress',
      error: 'must be a classic XRPL address (r…) with a valid checksum',
    });
    expect(field(watch.body, 'field-label').value).toBe('cold wallet');
  });

  it('says an unticked confirmation at the top, as no field of the form names it', async () => {
    const user = await app.t.api.signUp('unconfirmed-adjustment@example.com');
    const page = `/users/${user.id}`;
    const refused = await app.admin.post(page, `${page}/adjust`, {
      key: randomUUID(),
      currency: 'USD',
      amount: '5',
      reason: 'goodwill',
    });
    expect(refused.status).toBe(400);
    expect(alertOf(refused.body)).toBe('Not done: some fields need correcting (tick the confirmation box)');
    expect(field(refused.body, 'field-amount')).toEqual({ value: '5', error: null });
  });
});

describe('a refused balance adjustment in a browser', () => {
  it('shows the form as typed, the amount at fault said beside it and focused', { timeout: 60_000 }, async () => {
    const user = await app.t.api.signUp('adjusted-in-browser@example.com');
    const server = serve({ fetch: app.t.app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage();
      await signInToConsole(page, url, app.t.admin);
      await page.goto(`${url}/ops/users/${user.id}`);
      await page.getByLabel('Amount (negative debits the user)').fill('1,50');
      await page.getByLabel('Reason (kept on record)').fill('refund of a double fee');
      await page.getByLabel(/^Adjust the balance of/).check();
      await page.getByRole('button', { name: 'Adjust balance' }).click();
      await page.getByRole('alert').waitFor();
      const amount = page.getByLabel('Amount (negative debits the user)');
      await expect(amount.inputValue()).resolves.toBe('1,50');
      await expect(page.getByLabel('Reason (kept on record)').inputValue()).resolves.toBe('refund of a double fee');
      await expect(amount.getAttribute('aria-invalid')).resolves.toBe('true');
      const said = await page.locator('#field-amount-error').textContent();
      expect(said).toBeTruthy();
      await expect(amount.evaluate((el) => el === el.ownerDocument.activeElement)).resolves.toBe(true);
    } finally {
      await browser.close();
      server.close();
    }
  });
});
