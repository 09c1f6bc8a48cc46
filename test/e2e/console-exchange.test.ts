/**
 * The console's exchange pages in a real browser against the real stack (API with its matching engines, worker,
 * Temporal): every user's orders filtered, an order's fills, an operator's cancel that releases the hold and records
 * the operator, pending trigger orders linked to their workflows; a pair's rate source changed in a form, with the
 * refusals shown beside their fields; and a pair switched through the ops API recording the operator.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAccessibility, launchBrowser, signInToConsole } from '../support/browser.js';
import { fund, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let browser: Browser;
let page: Page;
let ann: { id: string; token: string };
let bob: { id: string; token: string };

async function open(path: string): Promise<void> {
  await page.goto(`${stack.url}/ops${path}`);
  await checkAccessibility(page);
}

let keys = 0;
const place = (user: { token: string }, body: Record<string, unknown>) =>
  stack.api.post('/v1/orders', body, { token: user.token, headers: { 'idempotency-key': `console-order-${++keys}` } });
const balance = async (user: { token: string }, currency: string) =>
  (await stack.api.get('/v1/balances', { token: user.token })).body.data.find(
    (b: { currency: string }) => b.currency === currency,
  );

beforeAll(async () => {
  [stack, browser] = await Promise.all([startStack(), launchBrowser()]);
  ann = await stack.api.signUp('console-ann@example.com');
  bob = await stack.api.signUp('console-bob@example.com');
  await fund(stack, ann.id, 'BTC', '1.00000000');
  await fund(stack, bob.id, 'USDT', '100000.000000');
  page = await (await browser.newContext()).newPage();
  await signInToConsole(page, stack.url, stack.admin);
  await page.waitForURL(/\/ops\/dashboard$/);
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the console: exchange', () => {
  it("lists every user's orders by filter, shows an order's fills, and cancels it for its owner", async () => {
    const ask = await place(ann, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '50000', amount: '0.1' });
    expect(ask.status).toBe(201);
    const bid = await place(bob, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '50000', amount: '0.04' });
    expect(bid.body.status).toBe('filled');
    const other = await place(bob, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '40000', amount: '0.01' });
    expect(other.body.status).toBe('open');

    await open('/orders');
    await page.getByLabel('Pair').fill('btc-usdt');
    await page.getByLabel('Status').selectOption('open');
    await page.getByLabel('Side').selectOption('sell');
    await page.getByRole('button', { name: 'Filter' }).click();
    await checkAccessibility(page);
    expect(
      await page.locator('table.orders tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-order'))),
    ).toEqual([ask.body.id]);
    const row = page.locator(`tr[data-order="${ask.body.id}"] td`);
    expect(await row.nth(5).textContent()).toBe('50000.000000 USDT');
    expect(await row.nth(7).textContent()).toBe('0.04000000 BTC');
    // by user: bob's two orders, newest first, whatever their state
    await open(`/orders?user=${bob.id}`);
    expect(
      await page.locator('table.orders tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-order'))),
    ).toEqual([other.body.id, bid.body.id]);
    // a filter that is not one is refused, naming it
    const refused = await page.goto(`${stack.url}/ops/orders?status=lost`);
    expect(refused!.status()).toBe(400);
    expect(await page.locator('main').textContent()).toContain('status');

    await open(`/orders/${ask.body.id}`);
    expect(await page.locator('table.fills tbody tr td').allTextContents()).toEqual([
      expect.stringMatching(/^#\d+$/),
      expect.any(String),
      '50000.000000 USDT',
      '0.04000000 BTC',
      '2000.000000 USDT',
      'maker',
    ]);
    // the confirmation is required
    await page.getByRole('button', { name: 'Cancel order' }).click();
    expect(page.url()).not.toContain('done=');
    await page.getByLabel(/Cancel order #\d+ and release 0.06000000 BTC/).check();
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Order cancelled');
    await checkAccessibility(page);
    expect(await page.locator('.order-status').textContent()).toBe('cancelled (cancelled)');
    const [stored] = await stack.db.sql`select status, cancelled_by from orders where id = ${ask.body.id}`;
    expect(stored).toEqual({ status: 'cancelled', cancelledBy: stack.admin.id });
    expect(await balance(ann, 'BTC')).toMatchObject({ available: '0.96000000', pending: '0.00000000' });
    // its owner sees it cancelled through the API, and cancelling again is a conflict
    expect((await stack.api.get(`/v1/orders/${ask.body.id}`, { token: ann.token })).body.status).toBe('cancelled');
    const csrf = await page.locator('input[name=_csrf]').first().getAttribute('value');
    const again = await page.request.post(`${stack.url}/ops/orders/${ask.body.id}/cancel`, {
      form: { _csrf: csrf!, confirm: 'yes' },
    });
    expect(again.status()).toBe(409);
  });

  it('lists pending trigger orders with their workflows in the Temporal UI, and cancels one for its owner', async () => {
    const stop = await stack.api.post(
      '/v1/triggers',
      { pair: 'BTC-USDT', kind: 'stop_market', side: 'sell', trigger_price: '20000', amount: '0.01' },
      { token: ann.token, headers: { 'idempotency-key': 'console-stop' } },
    );
    expect(stop.status).toBe(201);
    await open(`/orders?user=${ann.id}`);
    const row = page.locator(`table.triggers tr[data-trigger="${stop.body.id}"] td`);
    expect(await row.nth(5).textContent()).toBe('20000.000000 USDT');
    expect(await row.nth(6).textContent()).toBe('0.01000000 BTC');
    const link = decodeURIComponent((await row.locator('a.temporal').getAttribute('href'))!);
    expect(link).toContain(`WorkflowId="trigger:${stop.body.id}"`);
    const pending = decodeURIComponent((await page.getByRole('link', { name: /Pending triggers/ }).getAttribute('href'))!);
    expect(pending).toContain('SluiceKind="trigger" AND SluiceStatus="pending"');

    // an operator cancels it through its workflow: the hold is released and the operator recorded
    const trigger = page.locator(`table.triggers tr[data-trigger="${stop.body.id}"]`);
    await trigger.getByLabel(`Cancel trigger ${stop.body.id} and release 0.01000000 BTC`).check();
    await trigger.getByRole('button', { name: 'Cancel trigger' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Trigger cancelled');
    await checkAccessibility(page);
    expect(await page.locator(`table.triggers tr[data-trigger="${stop.body.id}"]`).count()).toBe(0);
    const [stored] = await stack.db.sql`select status, cancelled_by from trigger_orders where id = ${stop.body.id}`;
    expect(stored).toEqual({ status: 'cancelled', cancelledBy: stack.admin.id });
    expect((await stack.api.get(`/v1/triggers/${stop.body.id}`, { token: ann.token })).body.status).toBe('cancelled');
    expect(await balance(ann, 'BTC')).toMatchObject({ pending: '0.00000000' });
  });

  it("changes a pair's rate source in a form, showing what it refuses beside the field", async () => {
    await open('/rates');
    expect(await page.locator('tr[data-pair="USD-UAH"] .rate-source').textContent()).toBe('static 41.5');
    await page.getByRole('link', { name: 'USD-UAH' }).click();
    await checkAccessibility(page);
    expect(await page.getByLabel('Source', { exact: true }).inputValue()).toBe('static');
    await page.getByLabel(/^Static rate/).fill('42.25');
    await page.getByLabel(/^Spread/).fill('0.3');
    await page.getByLabel(/^Change how USD-UAH is priced/).check();
    await page.getByRole('button', { name: 'Save rate source' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Rate source saved');
    // the saved source is priced by the rates' next refresh, which a loaded machine can run a moment after the answer
    const usdUah = async () =>
      (await stack.api.get('/v1/exchange-rates', { token: ann.token })).body.data.find(
        (r: { pair: string }) => r.pair === 'USD-UAH',
      );
    await expect.poll(usdUah, { timeout: 30_000 }).toMatchObject({ rate: '42.25', spread_percent: '0.3' });
    const [recorded] = await stack.db.sql`select spread_ppm, updated_by from rate_sources where pair = 'USD-UAH'`;
    expect(recorded).toEqual({ spreadPpm: 3000, updatedBy: stack.admin.id });

    // a formula with a cycle and a spread too wide: both refused on the form, nothing saved
    await page.getByLabel('Source', { exact: true }).selectOption('formula');
    await page.getByLabel(/^Formula legs/).fill('1/USDT-USD, USDT-UAH');
    await page.getByLabel(/^Spread/).fill('60');
    await page.getByLabel(/^Change how USD-UAH is priced/).check();
    const answered = page.waitForResponse((r) => r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Save rate source' }).click();
    expect((await answered).status()).toBe(400);
    await checkAccessibility(page);
    expect(await page.locator('#field-spread_percent-error').textContent()).toBe('must not exceed 50');
    expect(await page.getByLabel(/^Spread/).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByLabel(/^Formula legs/).inputValue()).toBe('1/USDT-USD, USDT-UAH');
    await page.getByLabel(/^Spread/).fill('0.3');
    await page.getByLabel(/^Change how USD-UAH is priced/).check();
    await page.getByRole('button', { name: 'Save rate source' }).click();
    await expect.poll(() => page.locator('#field-legs-error').textContent()).toBe('the formula depends on its own pair');
    const [kept] = await stack.db.sql`select kind from rate_sources where pair = 'USD-UAH'`;
    expect(kept!.kind).toBe('static');
  });

  it('records the operator who switches a pair through the ops API', async () => {
    const admin = { token: stack.admin.token };
    expect((await stack.api.patch('/v1/ops/pairs/USDT-UAH', { enabled: false }, admin)).status).toBe(200);
    const [off] = await stack.db.sql`select enabled, enabled_changed_by from pairs where code = 'USDT-UAH'`;
    expect(off).toEqual({ enabled: false, enabledChangedBy: stack.admin.id });
    expect((await stack.api.patch('/v1/ops/pairs/USDT-UAH', { enabled: true }, admin)).status).toBe(200);
  });
});
