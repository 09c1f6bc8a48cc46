/**
 * Requests racing on one object, on the real stack: the same Idempotency-Key sent ten times at once on every POST that
 * takes one has exactly one effect (the others replay it, or a 409 when they ask for something else), one balance drawn
 * by many transfers at once never goes below zero, ten cancels of one order, trigger or withdrawal at once cancel it
 * once (the others a 409, or for a withdrawal answered as the first, once it is recorded), and the ledger audit holds
 * afterwards. Never a 5xx.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUpMerchant } from '../support/merchant.js';
import { fund, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let ann: { id: string; token: string };
let bob: { id: string; token: string };
const admin = () => ({ token: stack.admin.token });
const ADDRESS = '0x000000000000000000000000000000000000dEaD';

beforeAll(async () => {
  stack = await startStack();
  ann = await stack.api.signUp('ann@example.com');
  bob = await stack.api.signUp('bob@example.com');
  await fund(stack, ann.id, 'USD', '1000.00');
  await fund(stack, ann.id, 'USDT', '1000.000000');
  await fund(stack, ann.id, 'ETH', '10');
  await fund(stack, ann.id, 'BTC', '1.00000000');
});
afterAll(() => stack?.stop());

type Answer = { status: number; body: any };
const keyed = (user: { token: string }, key: string) => ({ token: user.token, headers: { 'idempotency-key': key } });

/** The same request ten times at once (`make(i)` may vary it by i). */
const atOnce = (make: (i: number) => Promise<Answer>, n = 10) => Promise.all(Array.from({ length: n }, (_, i) => make(i)));

/** Every answer is a success naming the same object: one effect, replayed to the others. */
function oneEffect(answers: Answer[], id = (body: any) => body.id): string {
  expect(answers.map((a) => a.status).filter((s) => s >= 300)).toEqual([]);
  const ids = new Set(answers.map((a) => id(a.body)));
  expect(ids.size).toBe(1);
  return [...ids][0] as string;
}

/** One success; every other answer a 409 with this code. */
function oneWins(answers: Answer[], code: string): Answer {
  const won = answers.filter((a) => a.status < 300);
  expect(won).toHaveLength(1);
  for (const lost of answers.filter((a) => a.status >= 300)) expect(lost.body).toMatchObject({ status: 409, code });
  return won[0]!;
}

const balance = async (user: { token: string }, currency: string) =>
  (await stack.api.get('/v1/balances', user)).body.data.find((b: { currency: string }) => b.currency === currency);

describe('one Idempotency-Key sent ten times at once', () => {
  it('transfers, operator adjustments and inventory funding: one effect', async () => {
    const transfer = (amount: string) =>
      stack.api.post('/v1/transfers', { to_user_id: bob.id, currency: 'USD', amount }, keyed(ann, 'transfer-1'));
    oneEffect(await atOnce(() => transfer('1.00')));
    oneWins(
      await atOnce((i) =>
        stack.api.post('/v1/transfers', { to_user_id: bob.id, currency: 'USD', amount: `2.0${i}` }, keyed(ann, 'transfer-2')),
      ),
      'idempotency_conflict',
    );
    const adjust = () =>
      stack.api.post(
        '/v1/ops/adjustments',
        { user_id: bob.id, currency: 'USD', amount: '5.00', reason: 'race' },
        keyed(admin(), 'adjust-1'),
      );
    oneEffect(await atOnce(adjust));
    const inventory = () =>
      stack.api.post('/v1/ops/exchange/inventory', { currency: 'UAH', amount: '10000.00' }, keyed(admin(), 'inventory-1'));
    expect((await atOnce(inventory)).map((a) => a.status).filter((s) => s >= 300)).toEqual([]);
    expect((await balance(bob, 'USD')).posted).toMatch(/^8\.0\d$/); // 1.00 + one 2.0x + 5.00
    const inventoryNow = (await stack.api.get('/v1/ops/exchange/inventory', admin())).body.data;
    expect(inventoryNow.find((r: { currency: string }) => r.currency === 'UAH').balance).toBe('10000.00');
  });

  it('withdrawals, bets, events, invoices and balance payments: one effect', async () => {
    const withdrawal = await atOnce(() =>
      stack.api.post('/v1/withdrawals', { currency: 'ETH', amount: '0.1', address: ADDRESS }, keyed(ann, 'withdrawal-1')),
    );
    oneEffect(withdrawal);
    expect((await stack.api.get('/v1/withdrawals', ann)).body.data).toHaveLength(1);

    const lines = await stack.api.signUp('lines@example.com');
    expect((await stack.api.put(`/v1/ops/users/${lines.id}/role`, { role: 'line_provider' }, admin())).status).toBe(200);
    const provider = { token: await stack.api.login('lines@example.com', 'a long enough password') };
    const eventId = oneEffect(
      await atOnce(() => stack.api.post('/v1/events', { coefficient: '1.50' }, keyed(provider, 'event-1'))),
    );
    const bet = () => stack.api.post('/v1/bets', { event_id: eventId, currency: 'USD', amount: '1.00' }, keyed(ann, 'bet-1'));
    oneEffect(await atOnce(bet));
    expect((await stack.api.get(`/v1/bets?event_id=${eventId}`, ann)).body.data).toHaveLength(1);

    const shop = await signUpMerchant(stack, 'shop@example.com');
    const invoice = () =>
      stack.api.post('/v1/invoices', { amount: '10', currency: 'USDT', expires_in: 900 }, keyed(shop, 'invoice-1'));
    const invoiceId = oneEffect(await atOnce(invoice));
    const pay = (key: (i: number) => string) => (i: number) =>
      stack.api.post(`/v1/invoices/${invoiceId}/pay`, { currency: 'USDT' }, keyed(ann, key(i)));
    oneEffect(await atOnce(pay(() => 'pay-1')), (body) => body.payment_id);
    const other = await stack.api.post(
      '/v1/invoices',
      { amount: '10', currency: 'USDT', expires_in: 900 },
      keyed(shop, 'invoice-2'),
    );
    // ten payers' keys at once on one invoice: one pays it, the others find nothing left to pay
    const payments = await atOnce((i) =>
      stack.api.post(`/v1/invoices/${other.body.id}/pay`, { currency: 'USDT' }, keyed(ann, `pay-2-${i}`)),
    );
    oneWins(payments, 'invoice_not_payable');
    expect((await balance(ann, 'USDT')).posted).toBe('980.000000');
  });

  it('quote accepts: one swap, whichever keys; one key accepts one quote of ten', async () => {
    const quote = () => stack.api.post('/v1/exchange/quotes', { from: 'USD', to: 'UAH', amount_in: '10.00' }, ann);
    const before = (await balance(ann, 'USD')).posted;
    const first = await quote();
    expect(first.status).toBe(201);
    const accept = (id: string, key: string) => stack.api.post(`/v1/exchange/quotes/${id}/accept`, undefined, keyed(ann, key));
    oneEffect(await atOnce(() => accept(first.body.id, 'accept-1')));
    oneEffect(await atOnce((i) => accept(first.body.id, `accept-2-${i}`)));
    const quotes = await atOnce(quote);
    oneWins(await atOnce((i) => accept(quotes[i]!.body.id, 'accept-3')), 'idempotency_conflict');
    expect(Number(before) - Number((await balance(ann, 'USD')).posted)).toBeCloseTo(20, 2);
  });

  it('spot orders and trigger orders: one order, one trigger, one hold', async () => {
    const order = (price: (i: number) => string) => (i: number) =>
      stack.api.post(
        '/v1/orders',
        { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: price(i), amount: '0.01' },
        keyed(ann, 'order-1'),
      );
    oneEffect(await atOnce(order(() => '30000')));
    const trigger = () =>
      stack.api.post(
        '/v1/triggers',
        { pair: 'BTC-USDT', kind: 'stop_market', side: 'sell', trigger_price: '10000', amount: '0.01' },
        keyed(ann, 'trigger-1'),
      );
    oneEffect(await atOnce(trigger));
    expect((await balance(ann, 'BTC')).pending).toBe('0.02000000');
  });
});

describe('ten cancels of one thing at once', () => {
  it('cancel it once: the others are a 409 naming its status, and the hold is released once', async () => {
    const sell = await stack.api.post(
      '/v1/orders',
      { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '31000', amount: '0.01' },
      keyed(ann, 'order-2'),
    );
    oneWins(await atOnce(() => stack.api.delete(`/v1/orders/${sell.body.id}`, ann)), 'order_not_open');
    const stop = await stack.api.post(
      '/v1/triggers',
      { pair: 'BTC-USDT', kind: 'stop_market', side: 'sell', trigger_price: '10000', amount: '0.01' },
      keyed(ann, 'trigger-2'),
    );
    // before, each cancel the workflow accepted while the first ran found the row cancelled and answered 200
    const cancelled = oneWins(await atOnce(() => stack.api.delete(`/v1/triggers/${stop.body.id}`, ann)), 'order_not_open');
    expect(cancelled.body.status).toBe('cancelled');
    const w = await stack.api.post(
      '/v1/withdrawals',
      { currency: 'ETH', amount: '0.1', address: ADDRESS },
      keyed(ann, 'withdrawal-2'),
    );
    // a withdrawal's cancel repeated is answered as the first, one that comes while the first is being recorded once it
    // is (it was a 409): cancelled once
    const cancels = await atOnce(() => stack.api.post(`/v1/withdrawals/${w.body.id}/cancel`, undefined, ann));
    expect(cancels.map((a) => [a.status, a.body])).toEqual(Array(10).fill([200, { status: 'cancelled' }]));
    const history = (await stack.api.get(`/v1/withdrawals/${w.body.id}`, ann)).body.history;
    expect(history.filter((e: { status: string }) => e.status === 'cancelled')).toHaveLength(1);
    expect((await balance(ann, 'BTC')).pending).toBe('0.02000000'); // order-1 and trigger-1 only
  });
});

describe('one balance drawn by twenty transfers at once', () => {
  it('pays ten and refuses the rest: never below zero, and the ledger audit holds', async () => {
    const cy = await stack.api.signUp('cy@example.com');
    await fund(stack, cy.id, 'USD', '10.00');
    const answers = await atOnce(
      (i) => stack.api.post('/v1/transfers', { to_user_id: bob.id, currency: 'USD', amount: '1.00' }, keyed(cy, `drain-${i}`)),
      20,
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(10);
    for (const refused of answers.filter((a) => a.status !== 201))
      expect(refused.body).toMatchObject({ status: 422, code: 'insufficient_funds' });
    expect(await balance(cy, 'USD')).toMatchObject({ posted: '0.00', available: '0.00' });
    expect((await stack.api.post('/v1/ops/audit', undefined, admin())).body.ok).toBe(true);
  });
});
