/**
 * Invoices paid on the EVM chain, end to end over HTTP on the real stack (API, worker, EVM listener, anvil): USDT sent
 * to the invoice's own address settles it only after the confirmations deposits require; a partial payment completed
 * from a balance, once among concurrent payments; a late payment kept and shown; a USD invoice paid in USDT at a locked
 * rate with its conversion fee, to the minor unit; the checkout page in a real browser; the invoice's address swept to
 * the cold wallet as deposit addresses are; and bad input (accepted currencies no rate prices among it).
 */
import { mkdir } from 'node:fs/promises';
import { Contract, Wallet, parseEther, parseUnits, type JsonRpcProvider, type NonceManager } from 'ethers';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchBrowser, checkAccessibility, signInToConsole } from '../support/browser.js';
import { Authenticator } from '../support/authenticator.js';
import { deployUsdt, eventually, evmStackEnv, fundedWallet, setBalance, testProvider } from '../support/evm.js';
import { signUpMerchant } from '../support/merchant.js';
import { fund, startStack, type Stack } from '../support/stack.js';

const ERC20 = [
  'function transfer(address to, uint256 value) returns (bool)',
  'function balanceOf(address) view returns (uint256)',
];
const SCREENSHOTS = new URL('../../docs/', import.meta.url);
const CONFIRMATIONS = 6;

let provider: JsonRpcProvider;
let customer: NonceManager;
let usdt: Contract;
let stack: Stack;
let merchant: { id: string; token: string };
let browser: Browser;
let page: Page;
const cold = Wallet.createRandom().address;

beforeAll(async () => {
  provider = testProvider(inject('evmRpcUrl'));
  customer = await fundedWallet(provider, '1000');
  const usdtAddress = await deployUsdt(provider, customer);
  usdt = new Contract(usdtAddress, ERC20, customer);
  const gasKeeper = Wallet.createRandom();
  await setBalance(provider, gasKeeper.address, parseEther('50'));
  [stack, browser] = await Promise.all([
    startStack({
      env: evmStackEnv({
        usdt: usdtAddress,
        gasKeeperKey: gasKeeper.privateKey,
        coldWallet: cold,
        // long enough (1-second blocks) for the page, polling every 2 s, to show the payment confirming
        confirmations: CONFIRMATIONS,
      }),
      evmListener: true,
    }),
    launchBrowser(),
  ]);
  merchant = await signUpMerchant(stack, 'shop-evm@example.com');
  page = await (await browser.newContext({ viewport: { width: 720, height: 1000 } })).newPage();
  if (process.env.UPDATE_SCREENSHOTS) await mkdir(SCREENSHOTS, { recursive: true });
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  provider?.destroy();
});

async function createInvoice(body: Record<string, unknown>) {
  const response = await stack.api.post('/v1/invoices', { expires_in: 900, ...body }, { token: merchant.token });
  expect(response.status).toBe(201);
  return response.body as { id: string; status: string };
}

async function checkout(id: string, currency: string) {
  const response = await stack.api.post(`/v1/invoices/${id}/checkout`, { currency });
  expect(response.status).toBe(200);
  return response.body as { address: string; amount_due: string; conversion_fee: string; price: string };
}

const invoice = async (id: string) => (await stack.api.get(`/v1/invoices/${id}`, { token: merchant.token })).body;
const statusOf = async (id: string) => (await invoice(id)).status as string;
const balance = async (token: string, currency: string) => {
  const response = await stack.api.get('/v1/balances', { token });
  return (response.body.data as Array<{ currency: string; available: string }>).find((b) => b.currency === currency)?.available;
};
const sendUsdt = async (to: string, micro: bigint) => (await usdt.getFunction('transfer')(to, micro)).wait();

describe('invoices paid on the EVM chain', () => {
  it(
    'settles a USDT invoice only after its confirmations, shown live on the checkout page, pays the merchant less the fee and sweeps the address',
    { timeout: 180_000 },
    async () => {
      const created = await createInvoice({
        amount: '25',
        currency: 'USDT',
        accepted_currencies: ['USDT', 'ETH'],
        description: 'Coffee beans, 1 kg',
        order_id: 'A-1001',
      });
      expect(created.status).toBe('new');

      await page.goto(`${stack.url}/pay/${created.id}`);
      await checkAccessibility(page);
      await page.selectOption('#currency', 'USDT');
      await page.click('button[type=submit]');
      const address = (await page.locator('[data-address]').textContent())!;
      expect(address).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(await page.locator('[data-amount-due]').textContent()).toBe('25.000000 USDT');
      expect(await page.locator('.qr svg').count()).toBe(1);
      // the invoice's address is its own: not a user's deposit address, and the same on every call
      const user = await stack.api.signUp('evm-invoice-user@example.com');
      expect((await stack.api.post('/v1/deposit/address', { currency: 'USDT' }, { token: user.token })).body.address).not.toBe(
        address,
      );
      expect((await checkout(created.id, 'USDT')).address).toBe(address);
      if (process.env.UPDATE_SCREENSHOTS)
        await page.screenshot({ path: new URL('checkout.png', SCREENSHOTS).pathname, fullPage: true });

      const before = Number(await provider.getBlockNumber());
      await sendUsdt(address, 25_000_000n);
      // seen, not yet final: processing, and the page says so without a reload
      await expect.poll(() => page.locator('[data-status]').textContent(), { timeout: 30_000 }).toBe('Payment seen, confirming');
      expect(await statusOf(created.id)).toBe('processing');
      expect(await balance(merchant.token, 'USDT')).toBe('0.000000');
      await expect.poll(() => page.locator('[data-status]').textContent(), { timeout: 60_000 }).toBe('Paid');
      expect(Number(await provider.getBlockNumber()) - before).toBeGreaterThanOrEqual(CONFIRMATIONS - 1);
      const settled = await invoice(created.id);
      expect(settled).toMatchObject({ status: 'settled', settled_value: '25.000000', fee: '0.250000' });
      expect(settled.payments).toMatchObject([
        { source: 'deposit', currency: 'USDT', amount: '25.000000', state: 'final', late: false, disposition: 'settlement' },
      ]);
      expect(await balance(merchant.token, 'USDT')).toBe('24.750000');

      // the invoice's address is collected like a deposit address: swept to the cold wallet, the gas keeper paying gas
      const swept = await eventually(
        'the invoice address swept',
        async () => {
          const response = await stack.api.get(`/v1/ops/collections?address=${address}`, { token: stack.admin.token });
          return (response.body.data as Array<{ currency: string; status: string; amount: string }>).find(
            (s) => s.currency === 'USDT' && s.status === 'confirmed',
          );
        },
        90_000,
      );
      expect(swept.amount).toBe('25.000000');
      expect(await usdt.getFunction('balanceOf')(address)).toBe(0n);
      expect(await usdt.getFunction('balanceOf')(cold)).toBe(25_000_000n);
    },
  );

  it('completes a partly paid invoice from a Sluice balance at exactly what is left, once among concurrent payments', async () => {
    const created = await createInvoice({ amount: '10', currency: 'USDT' });
    const { address } = await checkout(created.id, 'USDT');
    await sendUsdt(address, 4_000_000n);
    await eventually('the partial payment final', async () => (await invoice(created.id)).payments?.[0]?.state === 'final');
    expect(await statusOf(created.id)).toBe('processing');
    // the checkout asks for what is left, as the API and the page show it: paying it settles, not overpays
    expect(await checkout(created.id, 'USDT')).toMatchObject({ amount_due: '6.000000', conversion_fee: '0.000000' });
    const page = await fetch(`${stack.url}/pay/${created.id}?currency=USDT`).then((r) => r.text());
    expect(page).toMatch(/data-amount-due[^>]*>\s*6\.000000 USDT/);

    // two payers fire eight payments at once, each under its own key: one pays the 6 left, the others find nothing left
    const payers = [
      await stack.api.signUp('evm-invoice-payer@example.com'),
      await stack.api.signUp('evm-invoice-payer-b@example.com'),
    ];
    for (const p of payers) await fund(stack, p.id, 'USDT', '100');
    const pay = (i: number) =>
      stack.api.post(
        `/v1/invoices/${created.id}/pay`,
        { currency: 'USDT' },
        { token: payers[i % 2]!.token, headers: { 'idempotency-key': `pay-rest-${i}` } },
      );
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => pay(i)));
    const paid = answers.filter((a) => a.status === 201);
    expect(paid).toHaveLength(1);
    expect(paid[0]).toMatchObject({ body: { amount: '6.000000', currency: 'USDT' } });
    expect(answers.filter((a) => a.status !== 201).map((a) => [a.status, a.body.code])).toEqual(
      Array.from({ length: 7 }, () => [409, 'invoice_not_payable']),
    );
    const winner = answers.indexOf(paid[0]!);
    expect(await pay(winner)).toMatchObject({ status: 201, body: { payment_id: paid[0]!.body.payment_id } });
    await eventually('settled', async () => (await statusOf(created.id)) === 'settled');
    const balances = await Promise.all(payers.map((p) => balance(p.token, 'USDT')));
    expect(balances.map((b) => parseUnits(b!, 6)).reduce((a, b) => a + b)).toBe(194_000_000n);
    const settled = await invoice(created.id);
    expect(settled).toMatchObject({ status: 'settled', settled_value: '10.000000', fee: '0.100000' });
    expect(settled.payments).toMatchObject([
      { source: 'deposit', amount: '4.000000', disposition: 'settlement' },
      { source: 'balance', amount: '6.000000', disposition: 'settlement' },
    ]);

    // a settled invoice cannot be paid again
    expect(await pay(8)).toMatchObject({ status: 409, body: { code: 'invoice_not_payable' } });
  });

  it('keeps a payment made after the deadline: paid_late, credited to the merchant, shown through the API', async () => {
    const created = await createInvoice({ amount: '3', currency: 'USDT' });
    const { address } = await checkout(created.id, 'USDT');
    const before = parseUnits((await balance(merchant.token, 'USDT'))!, 6);
    // the invoice's clock run out: its deadline moved to now, and its workflow told to look
    await stack.db.sql`update invoices set expires_at = now(), monitoring_until = now() where id = ${created.id}`;
    await sendUsdt(address, 3_000_000n);
    await eventually('paid late', async () => (await statusOf(created.id)) === 'paid_late', 90_000);
    const view = await invoice(created.id);
    expect(view.payments).toMatchObject([{ amount: '3.000000', state: 'final', late: true, disposition: 'late' }]);
    expect(parseUnits((await balance(merchant.token, 'USDT'))!, 6)).toBe(before + 3_000_000n);
    expect((await stack.api.post(`/v1/invoices/${created.id}/checkout`, { currency: 'USDT' })).body.code).toBe(
      'invoice_not_payable',
    );
  });

  it('charges a USD invoice in USDT at the locked rate with the conversion fee, to the minor unit', async () => {
    const source = await stack.api.put(
      '/v1/ops/pairs/USDT-USD/rate-source',
      { kind: 'static', rate: '0.9998' },
      { token: stack.admin.token },
    );
    expect(source.status).toBe(200);
    expect((await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, { token: stack.admin.token })).status).toBe(200);
    const created = await createInvoice({ amount: '100.00', currency: 'USD', accepted_currencies: ['USDT'] });
    const quote = await eventually('the new rate', async () => {
      const q = await checkout(created.id, 'USDT');
      return q.price !== '1' && q;
    });
    // 100.00 USD / 0.9998 = 100.020004… USDT, shown 100.020005; with the 0.5% fee 100.520104… → 100.520105 (rounded up
    // once), so the fee as charged is 0.500100
    expect(quote).toMatchObject({ price: '0.9998', conversion_fee: '0.500100', amount_due: '100.520105' });
    // the rate moves; the invoice keeps its price
    await stack.api.put('/v1/ops/pairs/USDT-USD/rate-source', { kind: 'static', rate: '1.05' }, { token: stack.admin.token });
    await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, { token: stack.admin.token });
    expect((await checkout(created.id, 'USDT')).amount_due).toBe('100.520105');

    await sendUsdt(quote.address, 100_520_105n);
    await eventually('settled', async () => (await statusOf(created.id)) === 'settled', 90_000);
    expect(await invoice(created.id)).toMatchObject({ settled_value: '100.00', fee: '1.00' });
    expect(await balance(merchant.token, 'USD')).toBe('99.00');
  });

  it('lets an operator mark an invoice, recorded with the operator, and refuses marking a settled one', async () => {
    const open = await createInvoice({ amount: '5', currency: 'USDT' });
    const mark = (id: string, body: Record<string, unknown>, token = stack.admin.token) =>
      stack.api.post(`/v1/ops/invoices/${id}/mark`, body, { token });
    expect((await mark(open.id, { mark: 'invalid' }, merchant.token)).status).toBe(403);
    expect(await mark(open.id, { mark: 'invalid', note: 'fraud report' })).toMatchObject({
      status: 200,
      body: { status: 'marked_invalid' },
    });
    expect(await invoice(open.id)).toMatchObject({
      status: 'marked_invalid',
      marked_by: stack.admin.id,
      mark_note: 'fraud report',
    });
    expect(await mark(open.id, { mark: 'settled' })).toMatchObject({ status: 409, body: { code: 'conflict' } });
    const settled = await createInvoice({ amount: '5', currency: 'USDT' });
    const payer = await stack.api.signUp('evm-invoice-payer-2@example.com');
    await fund(stack, payer.id, 'USDT', '5');
    const headers = { 'idempotency-key': 'pay-all' };
    expect(
      (await stack.api.post(`/v1/invoices/${settled.id}/pay`, { currency: 'USDT' }, { token: payer.token, headers })).status,
    ).toBe(201);
    await eventually('settled', async () => (await statusOf(settled.id)) === 'settled');
    expect(await mark(settled.id, { mark: 'invalid' })).toMatchObject({
      status: 409,
      body: { detail: 'the invoice is already settled' },
    });
  });

  it("lets an operator mark an invoice invalid from the console's invoices page, with a confirmation", async () => {
    const created = await createInvoice({ amount: '7', currency: 'USDT', order_id: 'console-1' });
    const operator = { email: 'invoice-operator@example.com', password: 'a long enough password' };
    const registered = await stack.api.signUp(operator.email, operator.password);
    await stack.api.put(`/v1/ops/users/${registered.id}/role`, { role: 'operator' }, { token: stack.admin.token });
    const enrolled = await stack.api.post(
      '/v1/auth/totp/enroll',
      { current_password: operator.password },
      { token: registered.token },
    );
    const authenticator = new Authenticator(new URL(enrolled.body.otpauth_url).searchParams.get('secret')!);
    await stack.api.post(
      '/v1/auth/totp/verify',
      { code: await authenticator.code(), current_password: operator.password },
      { token: registered.token },
    );

    const ops = await (await browser.newContext()).newPage();
    await signInToConsole(ops, stack.url, { ...operator, totp: await authenticator.code() });
    await expect.poll(() => ops.url()).toMatch(/\/ops\/dashboard$/);
    await ops.goto(`${stack.url}/ops/invoices?status=new`);
    await checkAccessibility(ops);
    await ops.locator(`tr[data-invoice="${created.id}"] a`).click();
    await checkAccessibility(ops);
    await ops.selectOption('select[name=mark]', 'marked_invalid');
    await ops.getByLabel('Why').fill('the customer cancelled the order');
    await ops.getByRole('button', { name: 'Mark', exact: true }).click();
    // the browser refuses the form until the confirmation is ticked
    expect(await statusOf(created.id)).toBe('new');
    await ops.locator('#confirm-mark').check();
    await ops.getByRole('button', { name: 'Mark', exact: true }).click();
    await expect.poll(() => ops.locator('[data-state]').textContent()).toBe('marked invalid');
    expect(await invoice(created.id)).toMatchObject({ status: 'marked_invalid', marked_by: registered.id });
    expect(await ops.getByRole('button', { name: 'Mark', exact: true }).count()).toBe(0);
  });

  it('refuses bad input with a 4xx naming the field, and hides other merchants’ invoices', async () => {
    const bad = async (body: Record<string, unknown>) =>
      (await stack.api.post('/v1/invoices', body, { token: merchant.token })).body;
    expect(await bad({ amount: '1', currency: 'DOGE' })).toMatchObject({
      status: 400,
      code: 'unknown_currency',
      errors: [{ path: 'currency' }],
    });
    expect(await bad({ amount: '1.0000001', currency: 'USDT' })).toMatchObject({ status: 400, errors: [{ path: 'amount' }] });
    expect(await bad({ amount: '1', currency: 'USDT', accepted_currencies: ['USDT', 'NOPE'] })).toMatchObject({
      status: 400,
      errors: [{ path: 'accepted_currencies.1' }],
    });
    // an accepted currency no rate prices in the invoice's: every checkout would refuse it, so the invoice is refused
    expect(await bad({ amount: '1', currency: 'USD', accepted_currencies: ['EUR', 'RUB'] })).toMatchObject({
      status: 422,
      code: 'currency_not_payable',
      errors: [{ path: 'accepted_currencies.0', message: expect.stringContaining('EUR') }],
    });
    expect(await bad({ amount: '1', currency: 'USDT', accepted_currencies: ['USDT', 'ETH', 'RUB'] })).toMatchObject({
      status: 422,
      errors: [{ path: 'accepted_currencies.2', message: expect.stringContaining('RUB') }],
    });
    expect(await bad({ amount: '1', currency: 'USDT', expires_in: 5 })).toMatchObject({
      status: 400,
      errors: [{ path: 'expires_in' }],
    });
    expect(await bad({ amount: '1000000', currency: 'USDT' })).toMatchObject({ status: 422, code: 'amount_above_maximum' });

    const user = await stack.api.signUp('evm-invoice-not-merchant@example.com');
    expect((await stack.api.post('/v1/invoices', { amount: '1', currency: 'USDT' }, { token: user.token })).status).toBe(403);
    const other = await signUpMerchant(stack, 'shop-other@example.com');
    const theirs = (await stack.api.post('/v1/invoices', { amount: '1', currency: 'USDT' }, { token: other.token })).body;
    expect((await stack.api.get(`/v1/invoices/${theirs.id}`, { token: merchant.token })).body).toMatchObject({
      status: 404,
      code: 'not_found',
    });
    const mine = await stack.api.get('/v1/invoices?limit=2&status=settled', { token: merchant.token });
    expect(mine.body.data.every((i: { status: string }) => i.status === 'settled')).toBe(true);
    expect(mine.body.data.map((i: { id: string }) => i.id)).not.toContain(theirs.id);
    const next = await stack.api.get(`/v1/invoices?limit=2&status=settled&cursor=${mine.body.next_cursor}`, {
      token: merchant.token,
    });
    expect(next.status).toBe(200);
    expect(next.body.data.map((i: { id: string }) => i.id)).not.toContain(mine.body.data[0].id);
    const future = encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString());
    expect((await stack.api.get(`/v1/invoices?created_from=${future}`, { token: merchant.token })).body.data).toEqual([]);
    const past = encodeURIComponent(new Date(Date.now() - 3_600_000).toISOString());
    expect((await stack.api.get(`/v1/invoices?created_to=${past}`, { token: merchant.token })).body.data).toEqual([]);
    expect(
      (await stack.api.get(`/v1/invoices?created_from=${future}&created_to=x`, { token: merchant.token })).body,
    ).toMatchObject({ status: 400, errors: [{ path: 'created_to' }] });
    expect((await stack.api.post(`/v1/invoices/${theirs.id}/checkout`, { currency: 'XRP' })).body).toMatchObject({
      status: 400,
      errors: [{ path: 'currency' }],
    });
  });
});
