/**
 * A currency an operator disables after an invoice was made: checkout (the API and the /pay page) and a payment from a
 * balance refuse it, naming the field, and the payer's views no longer list it, while the invoice's own currency stays
 * payable. The console's invoice page marks it disabled.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { userAccountName } from '../../domain/ledger/engine.js';
import { insertInvoice } from '../../services/invoices/store.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { ConsoleHttp } from '../support/console-http.js';
import { newInvoice, signUpMerchant } from '../support/merchant.js';

let t: TestApp;
let merchant: { id: string; token: string };
beforeAll(async () => {
  t = await startTestApp();
  merchant = await signUpMerchant(t, 'disabled-merchant@example.com');
});
afterAll(() => t?.close());

/** The operator disables these currencies: the catalog (cached for 30 s) now reads them so. */
function disable(...codes: string[]) {
  const get = t.deps.currencies.get.bind(t.deps.currencies);
  vi.spyOn(t.deps.currencies, 'get').mockImplementation(async (code) => {
    const currency = await get(code);
    return currency && codes.includes(code) ? { ...currency, enabled: false } : currency;
  });
}
afterEach(() => vi.restoreAllMocks());

/** A 10.00 USD invoice accepting USD and USDT, made while both were enabled. */
async function usdInvoice(): Promise<string> {
  const { invoice } = await insertInvoice(
    t.db.sql,
    newInvoice(merchant.id, { currency: 'USD', amount: 1_000n, acceptedCurrencies: ['USD', 'USDT'] }),
  );
  return invoice.id;
}

async function fundedPayer(email: string) {
  const payer = await t.api.signUp(email);
  const funded = await t.deps.ledger.submit({
    transfers: [
      {
        kind: 'posted',
        key: `fund:${payer.id}`,
        debit: 'equity:adjustments',
        credit: userAccountName(payer.id),
        currency: 'USD',
        amount: 5_000n,
        metadata: { type: 'adjustment' },
      },
    ],
  });
  expect(funded.ok).toBe(true);
  return payer;
}

const formPost = (path: string, body: Record<string, string>) =>
  t.app.request(`http://sluice.test${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(body).toString(),
  });

describe('a currency disabled after the invoice was made', () => {
  it('is refused at checkout, naming currency', async () => {
    const id = await usdInvoice();
    disable('USDT');
    const refused = await t.api.post(`/v1/invoices/${id}/checkout`, { currency: 'USDT' });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'currency_disabled', errors: [{ path: 'currency' }] });
    expect(await t.db.sql`select 1 from invoice_quotes where invoice_id = ${id}`).toHaveLength(0);
  });

  it('is refused on the checkout page with a readable message, and no longer offered', async () => {
    const id = await usdInvoice();
    disable('USDT');
    const page = await formPost(`/pay/${id}`, { currency: 'USDT' });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('USDT is no longer accepted: pay in another currency');
    expect(html).not.toContain('<option value="USDT"');
    expect(html).toContain('<option value="USD"');
  });

  it('is refused for a payment from a balance, naming currency, and moves no money', async () => {
    const id = await usdInvoice();
    const payer = await fundedPayer('disabled-payer@example.com');
    disable('USDT');
    const refused = await t.api.post(
      `/v1/invoices/${id}/pay`,
      { currency: 'USDT' },
      { token: payer.token, headers: { 'idempotency-key': 'disabled-1' } },
    );
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ code: 'currency_disabled', errors: [{ path: 'currency' }] });
    expect(await t.db.sql`select 1 from invoice_payments where invoice_id = ${id}`).toHaveLength(0);
  });

  it('is left out of what the payer is shown; the merchant sees it accepted but no longer payable', async () => {
    const id = await usdInvoice();
    disable('USD', 'USDT');
    const shown = await t.api.get(`/v1/invoices/${id}/public`);
    expect(shown.status).toBe(200);
    expect(shown.body.accepted_currencies).toEqual(['USD']);
    const own = await t.api.get(`/v1/invoices/${id}`, { token: merchant.token });
    expect(own.body).toMatchObject({ accepted_currencies: ['USD', 'USDT'], payable_currencies: ['USD'] });
    const listed = await t.api.get('/v1/invoices', { token: merchant.token });
    expect(listed.body.data.find((i: { id: string }) => i.id === id)).toMatchObject({ payable_currencies: ['USD'] });
  });

  it("is marked disabled among what the console's invoice page says it accepts", async () => {
    const id = await usdInvoice();
    const operator = await ConsoleHttp.signIn(t.api, t.admin.email, t.admin.password);
    disable('USD', 'USDT');
    const page = await operator.get(`/invoices/${id}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<dt>Accepts<\/dt>\s*<dd>USD, USDT \(disabled\)<\/dd>/);
  });

  it('leaves the invoice’s own currency payable, at checkout and from a balance', async () => {
    const id = await usdInvoice();
    const payer = await fundedPayer('own-currency-payer@example.com');
    disable('USD', 'USDT');
    const checkout = await t.api.post(`/v1/invoices/${id}/checkout`, { currency: 'USD' });
    expect(checkout.status).toBe(200);
    expect(checkout.body).toMatchObject({ currency: 'USD', amount_due: '10.00' });
    const paid = await t.api.post(
      `/v1/invoices/${id}/pay`,
      { currency: 'USD' },
      { token: payer.token, headers: { 'idempotency-key': 'own-1' } },
    );
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({ currency: 'USD', amount: '10.00' });
  });
});
