/**
 * A payment to an invoice from the payer's balance is one of the payer's orders (`ipay_<id>`, type invoice_payment):
 * in their history, with its details, once however often the same Idempotency-Key pays; one short of funds is told so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { userAccountName } from '../../domain/ledger/engine.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { signUpMerchant } from '../support/merchant.js';

const ISO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

async function fundedPayer(email: string, usd: bigint) {
  const payer = await t.api.signUp(email);
  const funded = await t.deps.ledger.submit({
    transfers: [
      {
        kind: 'posted',
        key: `fund:${payer.id}`,
        debit: 'equity:adjustments',
        credit: userAccountName(payer.id),
        currency: 'USD',
        amount: usd,
        metadata: { type: 'adjustment' },
      },
    ],
  });
  expect(funded.ok).toBe(true);
  return payer;
}

describe('a payment from a balance in the payer’s history', () => {
  it('is an order of type invoice_payment, listed once and detailed', async () => {
    const merchant = await signUpMerchant(t, 'ipay-merchant@example.com');
    const payer = await fundedPayer('ipay-payer@example.com', 5_000n);
    const invoice = await t.api.post('/v1/invoices', { amount: '12.50', currency: 'USD' }, { token: merchant.token });
    expect(invoice.status).toBe(201);
    const pay = () =>
      t.api.post(
        `/v1/invoices/${invoice.body.id}/pay`,
        { currency: 'USD' },
        { token: payer.token, headers: { 'idempotency-key': 'ipay-1' } },
      );
    const paid = await pay();
    expect(paid.status).toBe(201);
    expect((await pay()).status).toBe(201);

    const history = await t.api.get('/v1/orders/history', { token: payer.token });
    expect(history.status).toBe(200);
    const orderId = `ipay_${paid.body.payment_id}`;
    expect(history.body.data).toEqual([
      expect.objectContaining({ id: orderId, type: 'invoice_payment', status: 'completed', currency: 'USD', amount: '12.50' }),
    ]);
    const filtered = await t.api.get('/v1/orders/history?type=invoice_payment', { token: payer.token });
    expect(filtered.body.data.map((o: { id: string }) => o.id)).toEqual([orderId]);

    const details = await t.api.get(`/v1/orders/${orderId}/details`, { token: payer.token });
    expect(details.status).toBe(200);
    expect(details.body.details).toMatchObject({ invoice_id: invoice.body.id, amount: '12.50', state: 'final' });
    expect(details.body.details).not.toHaveProperty('payer_id');
    // its times in UTC as every answer writes them (jsonb wrote the session's zone, to the microsecond: +00:00)
    expect(details.body.details.seen_at).toMatch(ISO_UTC);
    const invoiceDetails = await t.api.get(`/v1/orders/inv_${invoice.body.id}/details`, { token: merchant.token });
    expect(invoiceDetails.body.details).toMatchObject({
      created_at: invoice.body.created_at,
      expires_at: invoice.body.expires_at,
      monitoring_until: invoice.body.monitoring_until,
    });
    // the merchant's history has its invoice, not the payer's payment
    const merchants = await t.api.get(`/v1/orders/${orderId}/details`, { token: merchant.token });
    expect(merchants.status).toBe(404);

    const statistics = await t.api.get('/v1/statistics', { token: payer.token });
    expect(statistics.body.data).toContainEqual({
      currency: 'USD',
      type: 'invoice_payment',
      received: '0.00',
      sent: '12.50',
      count: 1,
    });
  });
});

describe('a payer short of funds', () => {
  it('is answered insufficient_funds naming the currency, the field they would change', async () => {
    const merchant = await signUpMerchant(t, 'ipay-short-merchant@example.com');
    const payer = await fundedPayer('ipay-short-payer@example.com', 100n);
    const invoice = await t.api.post('/v1/invoices', { amount: '12.50', currency: 'USD' }, { token: merchant.token });
    const paid = await t.api.post(
      `/v1/invoices/${invoice.body.id}/pay`,
      { currency: 'USD' },
      { token: payer.token, headers: { 'idempotency-key': 'ipay-short' } },
    );
    expect(paid.status).toBe(422);
    expect(paid.body).toMatchObject({ code: 'insufficient_funds', errors: [{ path: 'currency' }] });
  });
});
