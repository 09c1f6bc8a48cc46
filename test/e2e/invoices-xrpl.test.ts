/**
 * An invoice paid in XRP, end to end over HTTP: the real API, worker and XRPL listener against the rippled test double.
 * The invoice's destination tag on the company's deposit address is its own; a payment with it settles the invoice
 * (an XRPL payment is final once validated) and credits the merchant, never a user.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/evm.js';
import { signUpMerchant } from '../support/merchant.js';
import { ADDRESSES, xrpPayment } from '../support/rippled/payments.js';
import { startXrplStack, type XrplStack } from '../support/xrpl-stack.js';

const DEPOSITS = ADDRESSES.carol;
let stack: XrplStack;

beforeAll(async () => {
  stack = await startXrplStack({ depositAddress: DEPOSITS });
  stack.spawnListener();
  await stack.following(DEPOSITS);
});
afterAll(() => stack?.stop());

describe('an invoice paid in XRP', () => {
  it('hands out a destination tag of its own and settles on the validated payment', async () => {
    const merchant = await signUpMerchant(stack, 'shop-xrpl@example.com');
    const created = await stack.api.post(
      '/v1/invoices',
      { amount: '12.5', currency: 'XRP', accepted_currencies: ['XRP'], expires_in: 600 },
      { token: merchant.token },
    );
    expect(created.status).toBe(201);
    const pay = await stack.api.post(`/v1/invoices/${created.body.id}/checkout`, { currency: 'XRP' });
    expect(pay.body).toMatchObject({ chain: 'xrpl', address: DEPOSITS, amount_due: '12.500000' });
    const tag = Number(pay.body.destination_tag);
    expect(pay.body.payment_uri).toBe(`xrpl:${DEPOSITS}?dt=${tag}&amount=12.500000`);
    // the merchant's own deposit tag is another one
    const own = await stack.api.post('/v1/deposit/address', { currency: 'XRP' }, { token: merchant.token });
    expect(Number(own.body.destination_tag)).not.toBe(tag);

    stack.rippled.closeLedger([xrpPayment({ from: ADDRESSES.dave, to: DEPOSITS, drops: 12_500_000n, tag })]);
    const settled = await eventually('the invoice settled', async () => {
      const view = (await stack.api.get(`/v1/invoices/${created.body.id}`, { token: merchant.token })).body;
      return view.status === 'settled' && view;
    });
    expect(settled).toMatchObject({ settled_value: '12.500000', fee: '0.125000' });
    expect(settled.payments).toMatchObject([{ source: 'deposit', currency: 'XRP', amount: '12.500000', state: 'final' }]);
    const balances = (await stack.api.get('/v1/balances', { token: merchant.token })).body.data;
    expect(balances.find((b: { currency: string }) => b.currency === 'XRP')).toMatchObject({ available: '12.375000' });
    // the merchant's own deposits list does not show the invoice's payment
    expect((await stack.api.get('/v1/deposits', { token: merchant.token })).body.data).toEqual([]);
  });
});
