/**
 * A withdrawal holds its amount and its fee: refused for insufficient funds, it says the fee, or an amount within the
 * balance would seem refused for nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { putWithdrawalSettings } from '../support/withdrawal-settings.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

let n = 0;
const withdraw = (token: string, amount: string) =>
  t.api.post(
    '/v1/withdrawals',
    { currency: 'ETH', amount, address: '0x2222222222222222222222222222222222222222' },
    { token, headers: { 'idempotency-key': `insufficient-${++n}` } },
  );

describe('a withdrawal refused for insufficient funds', () => {
  it('names the amount and says its fee when the amount alone is within the balance', async () => {
    const user = await t.api.signUp('fee-counts@example.com');
    const funded = await t.api.post(
      '/v1/ops/adjustments',
      { user_id: user.id, currency: 'ETH', amount: '1', reason: 'test funding' },
      { token: t.admin.token, headers: { 'idempotency-key': 'fee-counts-funding' } },
    );
    expect(funded.status).toBe(201);

    await putWithdrawalSettings(t, 'ETH', { fee_fixed: '0.001' });
    expect(await withdraw(user.token, '1')).toMatchObject({
      status: 422,
      body: {
        code: 'insufficient_funds',
        errors: [{ path: 'amount', message: 'plus its fee (0.001 ETH) is more than your available balance' }],
      },
    });

    // without a fee there is none to tell
    await putWithdrawalSettings(t, 'ETH');
    expect(await withdraw(user.token, '1.5')).toMatchObject({
      status: 422,
      body: { code: 'insufficient_funds', errors: [{ path: 'amount', message: 'is more than your available balance' }] },
    });
  });
});
