/**
 * The stage of the trigger e2e tests on the real stack: carl holds 1 BTC with a sell stop at 20,000 for 0.01 BTC;
 * dave (USDT) and erin (BTC) can trade to move the last price.
 */
import { expect } from 'vitest';
import { fund, type Stack } from './stack.js';

let keys = 0;

export const placeOrder = (stack: Stack, user: { token: string }, body: Record<string, unknown>) =>
  stack.api.post('/v1/orders', body, { token: user.token, headers: { 'idempotency-key': `order-${++keys}` } });

export const btcBalance = async (stack: Stack, user: { token: string }) =>
  (await stack.api.get('/v1/balances', { token: user.token })).body.data.find((b: { currency: string }) => b.currency === 'BTC');

export async function carlWithSellStop(stack: Stack) {
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
  expect((await btcBalance(stack, carl)).available).toBe('0.99000000');
  return { carl, dave, erin, stopId: stop.body.id as string };
}
