/**
 * A disabled user's open flows on the real stack: a trigger order that fires while its user is disabled places no
 * order; it is cancelled with the reason recorded and its hold released, so re-enabling the user finds their funds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../platform/embedded/process.js';
import { startStack, type Stack } from '../support/stack.js';
import { btcBalance, carlWithSellStop, placeOrder } from '../support/sell-stop.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack?.stop());

describe("a disabled user's trigger order", () => {
  it('places no order when it fires: cancelled as user_disabled, its hold released', { timeout: 120_000 }, async () => {
    const { carl, dave, erin, stopId } = await carlWithSellStop(stack);

    const admin = { token: stack.admin.token };
    expect((await stack.api.put(`/v1/ops/users/${carl.id}/disabled`, { disabled: true }, admin)).status).toBe(200);
    // a trade at 19,000 crosses carl's stop while he is disabled
    await placeOrder(stack, dave, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '19000', amount: '0.001' });
    await placeOrder(stack, erin, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '19000', amount: '0.001' });

    await waitUntil('the trigger cancelled', async () => {
      const [row] = await stack.db.sql`select status, cancel_reason, order_id from trigger_orders where id = ${stopId}`;
      if (row?.status !== 'cancelled') throw new Error(String(row?.status));
    });
    expect((await stack.api.put(`/v1/ops/users/${carl.id}/disabled`, { disabled: false }, admin)).status).toBe(200);
    const trigger = (await stack.api.get(`/v1/triggers/${stopId}`, { token: carl.token })).body;
    expect(trigger).toMatchObject({ status: 'cancelled', cancel_reason: 'user_disabled', order_id: null });
    expect(await btcBalance(stack, carl)).toMatchObject({ available: '1.00000000', pending: '0.00000000' });
    // no order was placed for him
    expect((await stack.api.get('/v1/orders', { token: carl.token })).body.data).toEqual([]);
  });
});
