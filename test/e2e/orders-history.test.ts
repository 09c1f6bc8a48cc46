/**
 * One order history on the real stack (API, worker, EVM listener on anvil): a merchant who deposits, withdraws,
 * transfers, swaps, bills, bets and trades finds every one of those orders in `GET /v1/orders/history`, filtered and
 * paged by cursor; details carry the kind's own fields and the callback deliveries (signed, through the webhook
 * machinery); withdrawals, transfers and exchanges repeat under a new Idempotency-Key; bad input is a clear 4xx.
 */
import { parseEther, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../platform/embedded/process.js';
import { eventually, type fundedWallet } from '../support/evm.js';
import { startEvmStack } from '../support/evm-stack.js';
import { signUpMerchant } from '../support/merchant.js';
import { fund, type Stack } from '../support/stack.js';
import { verifySignature, WebhookReceiver } from '../support/webhook-receiver.js';

let provider: JsonRpcProvider;
let customer: Awaited<ReturnType<typeof fundedWallet>>;
let stack: Stack;
let receiver: WebhookReceiver;
let mia: { id: string; token: string };
let bob: { id: string; token: string };
let keys = 0;
const key = () => ({ 'idempotency-key': `orders-${++keys}` });
const ADDRESS = '0x8ba1f109551bD432803012645Ac136ddd64DBA72';

type Order = {
  id: string;
  type: string;
  status: string;
  state: string;
  currency: string;
  amount: string;
  callback_url: string | null;
};
const history = async (query = '', token = mia.token) => stack.api.get(`/v1/orders/history${query}`, { token });
const allPages = async (query: string) => {
  const seen: Order[] = [];
  let cursor: string | null = null;
  do {
    const response = await history(`?limit=2${query}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(response.status).toBe(200);
    seen.push(...response.body.data);
    cursor = response.body.next_cursor;
  } while (cursor);
  return seen;
};

beforeAll(async () => {
  receiver = await WebhookReceiver.start();
  ({ stack, provider, customer } = await startEvmStack());
  mia = await signUpMerchant(stack, 'mia@example.com');
  bob = await stack.api.signUp('bob@example.com');
  await fund(stack, mia.id, 'USD', '500.00');
  await fund(stack, mia.id, 'ETH', '2');
  await fund(stack, mia.id, 'USDT', '100000.000000');
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  await receiver?.close();
  provider?.destroy();
});

const ids: Record<string, string> = {};

describe('one order history', () => {
  it('lists every kind of order the user started, with callbacks told', { timeout: 180_000 }, async () => {
    const admin = { token: stack.admin.token };
    // deposit, on chain
    const address = (await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, { token: mia.token })).body.address;
    await (await customer.sendTransaction({ to: address, value: parseEther('0.5') })).wait();

    // withdrawal, with a callback
    const withdrawal = await stack.api.post(
      '/v1/withdrawals',
      { currency: 'ETH', amount: '0.1', address: ADDRESS, callback_url: receiver.url('/wd') },
      { token: mia.token, headers: key() },
    );
    expect(withdrawal.status).toBe(202);
    ids.withdrawal = `wd_${withdrawal.body.id}`;

    // transfer, with a callback
    const transfer = await stack.api.post(
      '/v1/transfers',
      { to_user_id: bob.id, currency: 'USD', amount: '12.50', memo: 'lunch', callback_url: receiver.url('/tr') },
      { token: mia.token, headers: key() },
    );
    expect(transfer.status).toBe(201);
    ids.transfer = `tr_${transfer.body.id}`;

    // exchange: a quote accepted
    await stack.api.post('/v1/ops/exchange/inventory', { currency: 'UAH', amount: '100000.00' }, { ...admin, headers: key() });
    const quote = await stack.api.post(
      '/v1/exchange/quotes',
      { from: 'USD', to: 'UAH', amount_in: '10.00', callback_url: receiver.url('/ex') },
      { token: mia.token },
    );
    expect(quote.status).toBe(201);
    const accepted = await stack.api.post(`/v1/exchange/quotes/${quote.body.id}/accept`, undefined, {
      token: mia.token,
      headers: key(),
    });
    expect(accepted.status).toBe(200);
    ids.exchange = `ex_${quote.body.id}`;

    // invoice
    const invoice = await stack.api.post(
      '/v1/invoices',
      { amount: '25', currency: 'USDT', expires_in: 900, callback_url: receiver.url('/inv') },
      { token: mia.token },
    );
    expect(invoice.status).toBe(201);
    ids.invoice = `inv_${invoice.body.id}`;

    // bet
    const lines = await stack.api.signUp('lines@example.com');
    await stack.api.put(`/v1/ops/users/${lines.id}/role`, { role: 'line_provider' }, admin);
    const event = await stack.api.post('/v1/events', { coefficient: '2.00', title: 'Derby' }, { token: lines.token });
    const bet = await stack.api.post(
      '/v1/bets',
      { event_id: event.body.id, amount: '5.00', currency: 'USD', callback_url: receiver.url('/bet') },
      { token: mia.token, headers: key() },
    );
    expect(bet.status).toBe(201);
    ids.bet = `bet_${bet.body.id}`;

    // trade order
    const order = await stack.api.post(
      '/v1/orders',
      { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '20000', amount: '0.01', callback_url: receiver.url('/ord') },
      { token: mia.token, headers: key() },
    );
    expect(order.status).toBe(201);
    ids.trade = `ord_${order.body.id}`;

    const deposit = await eventually('the deposit credited', async () =>
      ((await history('?type=deposit')).body.data as Order[]).find((o) => o.status === 'completed'),
    );
    ids.deposit = deposit.id;
    expect(deposit).toMatchObject({ type: 'deposit', state: 'credited', currency: 'ETH', amount: '0.500000000000000000' });

    const listed = (await history()).body.data as Order[];
    expect(new Set(listed.map((o) => o.type))).toEqual(
      new Set(['deposit', 'withdrawal', 'transfer', 'exchange', 'invoice', 'bet', 'trade']),
    );
    expect(listed.map((o) => o.id).sort()).toEqual(Object.values(ids).sort());
    // newest first
    const times = listed.map((o) => Date.parse((o as unknown as { created_at: string }).created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(listed.find((o) => o.id === ids.transfer)).toMatchObject({
      status: 'completed',
      currency: 'USD',
      amount: '12.50',
      callback_url: receiver.url('/tr'),
    });
    expect(listed.find((o) => o.id === ids.withdrawal)).toMatchObject({ status: 'pending', state: 'awaiting_confirmation' });
    expect(listed.find((o) => o.id === ids.exchange)).toMatchObject({ status: 'completed', currency: 'USD', amount: '10.00' });

    // another user's history is their own
    expect((await history('', bob.token)).body.data).toEqual([]);

    // every callback arrives, signed with the user's callback secret
    const secret = (await stack.api.get('/v1/orders/callback-secret', { token: mia.token })).body.secret as string;
    expect(secret).toMatch(/^whsec_/);
    for (const path of ['/wd', '/tr', '/ex', '/inv', '/bet', '/ord']) {
      const [hook] = await eventually(`the ${path} callback`, async () =>
        receiver.to(path).length > 0 ? receiver.to(path) : undefined,
      );
      expect(verifySignature(String(hook!.headers['sluice-signature']), hook!.body, secret)).toBe(true);
      expect(JSON.parse(hook!.body)).toMatchObject({ type: 'order.updated', data: { order_id: expect.stringMatching(/_/) } });
    }
    expect(JSON.parse(receiver.to('/tr')[0]!.body).data).toMatchObject({
      order_id: ids.transfer,
      type: 'transfer',
      status: 'completed',
      amount: '12.50',
    });

    // the bet settles: its callback tells that too
    await stack.api.request('PATCH', `/v1/events/${event.body.id}`, { state: 'finished_win' }, { token: lines.token });
    await eventually('the settled bet callback', async () =>
      receiver.to('/bet').find((h) => JSON.parse(h.body).data.state === 'won'),
    );
  });

  it('filters by type, status, currency and date, and pages by cursor without gaps or repeats', async () => {
    const everything = await allPages('');
    expect(everything.map((o) => o.id).sort()).toEqual(Object.values(ids).sort());
    expect(new Set(everything.map((o) => o.id)).size).toBe(everything.length);

    const some = (await history('?type=withdrawal,transfer')).body.data as Order[];
    expect(some.map((o) => o.id).sort()).toEqual([ids.transfer, ids.withdrawal].sort());
    const pending = (await history('?status=pending')).body.data as Order[];
    expect(pending.every((o) => o.status === 'pending')).toBe(true);
    expect(pending.map((o) => o.id)).toEqual(expect.arrayContaining([ids.withdrawal, ids.invoice, ids.trade]));
    // an exchange moves both its currencies; a trade order its pair's
    expect(((await history('?currency=UAH')).body.data as Order[]).map((o) => o.id)).toEqual([ids.exchange]);
    expect(((await history('?currency=BTC')).body.data as Order[]).map((o) => o.id)).toEqual([ids.trade]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await history(`?from=${encodeURIComponent(future)}`)).body.data).toEqual([]);
    expect((await history(`?to=${encodeURIComponent(future)}&type=deposit`)).body.data).toHaveLength(1);
    const pagedPending = await allPages('&status=pending');
    expect(pagedPending.map((o) => o.id)).toEqual(pending.map((o) => o.id));
  });

  it('details an order: common fields, its own fields, and its callback deliveries with their attempts', async () => {
    const details = await stack.api.get(`/v1/orders/${ids.transfer}/details`, { token: mia.token });
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      id: ids.transfer,
      type: 'transfer',
      details: { to_user_id: bob.id, memo: 'lunch', amount: '12.50', currency: 'USD' },
    });
    await waitUntil('the transfer callback delivered', async () => {
      const body = (await stack.api.get(`/v1/orders/${ids.transfer}/details`, { token: mia.token })).body;
      if (body.callbacks[0]?.status !== 'delivered') throw new Error(JSON.stringify(body.callbacks));
    });
    const delivered = (await stack.api.get(`/v1/orders/${ids.transfer}/details`, { token: mia.token })).body;
    expect(delivered.callbacks).toEqual([
      expect.objectContaining({
        event_id: `order:${ids.transfer}:posted`,
        status: 'delivered',
        attempts: [expect.objectContaining({ attempt: 1, status_code: 200, outcome: 'delivered' })],
      }),
    ]);
    // an operator can send a callback again, as any webhook delivery: it is a new delivery linked to the first
    const again = await stack.api.post(`/v1/ops/webhooks/deliveries/${delivered.callbacks[0].delivery_id}/redeliver`, undefined, {
      token: stack.admin.token,
      headers: key(),
    });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ redelivery_of: delivered.callbacks[0].delivery_id });
    const withdrawal = (await stack.api.get(`/v1/orders/${ids.withdrawal}/details`, { token: mia.token })).body;
    expect(withdrawal.details).toMatchObject({
      address: ADDRESS,
      amount: '0.100000000000000000',
      status: 'awaiting_confirmation',
    });
    expect(withdrawal.details).not.toHaveProperty('idempotency_key');
    const bet = (await stack.api.get(`/v1/orders/${ids.bet}/details`, { token: mia.token })).body;
    expect(bet.details).toMatchObject({ amount: '5.00', coefficient: '2.00' });
    const deposit = (await stack.api.get(`/v1/orders/${ids.deposit}/details`, { token: mia.token })).body;
    expect(deposit.details).toMatchObject({ amount: '0.500000000000000000', status: 'credited', chain: expect.any(String) });
  });

  it('repeats a withdrawal, a transfer and an exchange under a new Idempotency-Key', async () => {
    const repeatKey = key();
    const wd = await stack.api.post(`/v1/withdrawals/${ids.withdrawal}/repeat`, undefined, {
      token: mia.token,
      headers: repeatKey,
    });
    expect(wd.status).toBe(202);
    expect(wd.body).toMatchObject({
      currency: 'ETH',
      amount: '0.100000000000000000',
      address: ADDRESS,
      status: 'awaiting_confirmation',
    });
    expect(`wd_${wd.body.id}`).not.toBe(ids.withdrawal);
    const again = await stack.api.post(`/v1/withdrawals/${ids.withdrawal}/repeat`, undefined, {
      token: mia.token,
      headers: repeatKey,
    });
    expect(again.body.id).toBe(wd.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // the repeat keeps the callback URL
    const wdSummary = (await stack.api.get(`/v1/orders/wd_${wd.body.id}/details`, { token: mia.token })).body;
    expect(wdSummary.callback_url).toBe(receiver.url('/wd'));

    const tr = await stack.api.post(`/v1/transfers/${ids.transfer}/repeat`, undefined, { token: mia.token, headers: key() });
    expect(tr.status).toBe(201);
    expect(tr.body).toMatchObject({ to_user_id: bob.id, currency: 'USD', amount: '12.50', memo: 'lunch' });
    expect(`tr_${tr.body.id}`).not.toBe(ids.transfer);

    const exKey = key();
    const ex = await stack.api.post(`/v1/exchange/${ids.exchange}/repeat`, undefined, { token: mia.token, headers: exKey });
    expect(ex.status).toBe(201);
    expect(ex.body).toMatchObject({ from: 'USD', to: 'UAH', amount_in: '10.00', status: 'open' });
    const exAgain = await stack.api.post(`/v1/exchange/${ids.exchange}/repeat`, undefined, { token: mia.token, headers: exKey });
    expect(exAgain.body.id).toBe(ex.body.id);

    // the new transfer is in the history; the new quote is not an order until accepted
    const transfers = (await history('?type=transfer,exchange')).body.data as Order[];
    expect(transfers.map((o) => o.id)).toEqual(expect.arrayContaining([`tr_${tr.body.id}`]));
    expect(transfers.map((o) => o.id)).not.toContain(`ex_${ex.body.id}`);
  });

  it('refuses bad input clearly', async () => {
    const unknownType = await history('?type=lottery');
    expect(unknownType.status).toBe(400);
    expect(unknownType.body.errors.map((e: { path: string }) => e.path)).toContain('type');
    const badCursor = await history('?cursor=bm90LWEtY3Vyc29y');
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.errors.map((e: { path: string }) => e.path)).toContain('cursor');
    expect((await history('?status=done')).status).toBe(400);
    expect((await history('?from=yesterday')).status).toBe(400);
    // another user's order is as absent as a missing one
    expect((await stack.api.get(`/v1/orders/${ids.transfer}/details`, { token: bob.token })).status).toBe(404);
    expect((await stack.api.get('/v1/orders/wd_00000000-0000-4000-8000-000000000000/details', { token: mia.token })).status).toBe(
      404,
    );
    expect((await stack.api.get('/v1/orders/xyz_1/details', { token: mia.token })).status).toBe(400);
    expect(
      (await stack.api.post(`/v1/transfers/${ids.transfer}/repeat`, undefined, { token: bob.token, headers: key() })).status,
    ).toBe(404);
    expect((await stack.api.post(`/v1/withdrawals/${ids.withdrawal}/repeat`, undefined, { token: mia.token })).status).toBe(400);
    const badCallback = await stack.api.post(
      '/v1/transfers',
      { to_user_id: bob.id, currency: 'USD', amount: '1.00', callback_url: 'ftp://x' },
      { token: mia.token, headers: key() },
    );
    expect(badCallback.status).toBe(400);
    expect(badCallback.body.errors.map((e: { path: string }) => e.path)).toContain('callback_url');
    // the history's paths are their own: another method is a 405, not the spot exchange's DELETE /v1/orders/{id}
    const wrongMethod = await stack.api.request('DELETE', '/v1/orders/history', undefined, { token: mia.token });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET, HEAD');
    // the spot exchange's own routes still work beside the history's
    expect((await stack.api.get(`/v1/orders/${ids.trade!.slice(4)}`, { token: mia.token })).status).toBe(200);
  });
});
