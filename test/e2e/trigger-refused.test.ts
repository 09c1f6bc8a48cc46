/**
 * A fired trigger whose order is refused, on the real stack: its order no longer fits the pair when it fires (an
 * operator raised the pair's minimum order size, which the engines take at their start), so it places no order, ends
 * failed with the reason, releases its hold and tells its owner; its workflow ends failed too, and the audit is clean.
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

describe('a fired trigger whose order is refused', () => {
  it('ends failed with the reason, its hold released, its owner told, its workflow failed', { timeout: 180_000 }, async () => {
    const { carl, dave, erin, stopId } = await carlWithSellStop(stack);

    // the operator raises the minimum order size to 0.05 BTC; the engine takes it when it starts again
    await stack.killApi('SIGKILL');
    await stack.db.sql`update pairs set min_amount = 5000000 where code = 'BTC-USDT'`;
    await stack.startApi();
    await waitUntil('the restarted API running BTC-USDT', async () => {
      const response = await stack.api.get('/v1/ops/markets/BTC-USDT', { token: stack.admin.token });
      if (response.status !== 200) throw new Error(`${response.status}`);
    });

    // a trade at 19,000 crosses carl's stop, whose 0.01 BTC order is now below the minimum
    expect(
      (await placeOrder(stack, dave, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '19000', amount: '0.05' })).status,
    ).toBe(201);
    expect(
      (await placeOrder(stack, erin, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '19000', amount: '0.05' })).body,
    ).toMatchObject({
      status: 'filled',
    });

    let trigger: any;
    await waitUntil('the trigger failed', async () => {
      trigger = (await stack.api.get(`/v1/triggers/${stopId}`, { token: carl.token })).body;
      if (trigger.status !== 'failed') throw new Error(trigger.status);
    });
    expect(trigger).toMatchObject({ status: 'failed', failure_reason: 'amount_below_minimum', order_id: null });
    expect(await btcBalance(stack, carl)).toMatchObject({ available: '1.00000000', pending: '0.00000000' });
    expect((await stack.api.get('/v1/orders', { token: carl.token })).body.data).toEqual([]);

    const notes = (await stack.api.get('/v1/notifications', { token: carl.token })).body.data;
    expect(notes).toEqual([expect.objectContaining({ kind: 'trigger_failed', severity: 'warning' })]);
    const history = (await stack.api.get('/v1/orders/history', { token: carl.token })).body.data;
    expect(history).toEqual([expect.objectContaining({ id: `trg_${stopId}`, status: 'failed', state: 'failed' })]);

    const workflow = stack.temporal.workflow.getHandle(`trigger:${stopId}`);
    expect(await workflow.result()).toEqual({
      triggerId: stopId,
      status: 'failed',
      orderId: null,
      failureReason: 'amount_below_minimum',
    });

    const audit = await stack.api.post('/v1/ops/markets/BTC-USDT/audit', undefined, { token: stack.admin.token });
    expect(audit.body).toMatchObject({ ok: true });
  });
});
