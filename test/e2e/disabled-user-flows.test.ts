/**
 * A disabled user's open flows on the real stack: a trigger order that fires while its user is disabled places no
 * order; it is cancelled with the reason recorded and its hold released, so re-enabling the user finds their funds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../platform/embedded/process.js';
import { fund, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let keys = 0;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

const place = (user: { token: string }, body: Record<string, unknown>) =>
  stack.api.post('/v1/orders', body, { token: user.token, headers: { 'idempotency-key': `order-${++keys}` } });
const btc = async (user: { token: string }) =>
  (await stack.api.get('/v1/balances', { token: user.token })).body.data.find((b: { currency: string }) => b.currency === 'BTC');

describe("a disabled user's trigger order", () => {
  it('places no order when it fires: cancelled as user_disabled, its hold released', { timeout: 120_000 }, async () => {
    const [carl, dave, erin] = [
      await stack.api.signUp('carl@example.com'),
      await stack.api.signUp('dave@example.com'),
      await stack.api.signUp('erin@example.com'),
    ];
    await fund(stack, carl.id, 'BTC', '1.00000000');
    await fund(stack, erin.id, 'BTC', '1.00000000');
    await fund(stack, dave.id, 'USDT', '100000.000000');
    const stop = await stack.api.post(
      '/v1/triggers',
      { pair: 'BTC-USDT', kind: 'stop_market', side: 'sell', trigger_price: '20000', amount: '0.01' },
      { token: carl.token, headers: { 'idempotency-key': 'carl-stop' } },
    );
    expect(stop.status).toBe(201);
    expect((await btc(carl)).available).toBe('0.99000000');

    const admin = { token: stack.admin.token };
    expect((await stack.api.put(`/v1/ops/users/${carl.id}/disabled`, { disabled: true }, admin)).status).toBe(200);
    // a trade at 19,000 crosses carl's stop while he is disabled
    await place(dave, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '19000', amount: '0.001' });
    await place(erin, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '19000', amount: '0.001' });

    await waitUntil('the trigger cancelled', async () => {
      const [row] = await stack.db.sql`select status, cancel_reason, order_id from trigger_orders where id = ${stop.body.id}`;
      if (row?.status !== 'cancelled') throw new Error(String(row?.status));
    });
    expect((await stack.api.put(`/v1/ops/users/${carl.id}/disabled`, { disabled: false }, admin)).status).toBe(200);
    const trigger = (await stack.api.get(`/v1/triggers/${stop.body.id}`, { token: carl.token })).body;
    expect(trigger).toMatchObject({ status: 'cancelled', cancel_reason: 'user_disabled', order_id: null });
    expect(await btc(carl)).toMatchObject({ available: '1.00000000', pending: '0.00000000' });
    // no order was placed for him
    expect((await stack.api.get('/v1/orders', { token: carl.token })).body.data).toEqual([]);
  });
});
