/**
 * Deposit auto-conversion on the real stack (API, worker, EVM listener on anvil): a user who asked for ETH deposits to
 * be converted to USDT gets them swapped as they are credited, at the current rate with the exchange fee; when the
 * exchange's inventory cannot cover it the deposit stays credited in ETH and the reason is recorded, never lost.
 */
import { parseEther, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type fundedWallet } from '../support/evm.js';
import { startEvmStack } from '../support/evm-stack.js';
import type { Stack } from '../support/stack.js';

let provider: JsonRpcProvider;
let customer: Awaited<ReturnType<typeof fundedWallet>>;
let stack: Stack;

beforeAll(async () => {
  ({ stack, provider, customer } = await startEvmStack());
}, 180_000);
afterAll(async () => {
  await stack?.stop();
  provider?.destroy();
});

const balances = async (token: string) =>
  Object.fromEntries(
    ((await stack.api.get('/v1/balances', { token })).body.data as Array<{ currency: string; posted: string }>).map((b) => [
      b.currency,
      b.posted,
    ]),
  );
const creditedDeposits = async (token: string) =>
  ((await stack.api.get('/v1/orders/history?type=deposit&status=completed', { token })).body.data as Array<{ id: string }>).map(
    (d) => d.id,
  );

describe('deposit auto-conversion', () => {
  it(
    'converts on arrival, keeps the deposit in its currency with the reason when it cannot; never cancels one',
    { timeout: 180_000 },
    async () => {
      const admin = { token: stack.admin.token };
      const user = await stack.api.signUp('converter@example.com');
      const auth = { token: user.token };

      expect((await stack.api.put('/v1/deposits/auto-conversions/ETH', { to_currency: 'ETH' }, auth)).body).toMatchObject({
        code: 'unknown_pair',
      });
      expect((await stack.api.put('/v1/deposits/auto-conversions/ETH', { to_currency: 'usdt' }, auth)).status).toBe(400);
      const noPair = await stack.api.put('/v1/deposits/auto-conversions/ETH', { to_currency: 'UAH' }, auth);
      expect(noPair.body).toMatchObject({ code: 'unknown_pair' });
      const set = await stack.api.put('/v1/deposits/auto-conversions/ETH', { to_currency: 'USDT' }, auth);
      expect(set.status).toBe(200);
      expect((await stack.api.get('/v1/deposits/auto-conversions', auth)).body.data).toEqual([
        { currency: 'ETH', to_currency: 'USDT' },
      ]);

      const address = (await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, auth)).body.address;

      // the inventory holds no USDT yet: the deposit is credited in ETH, and why it was not converted is recorded
      await (await customer.sendTransaction({ to: address, value: parseEther('0.5') })).wait();
      const [first] = await eventually('the first deposit credited', async () => {
        const ids = await creditedDeposits(user.token);
        return ids.length === 1 ? ids : undefined;
      });
      const kept = await eventually('the failed conversion recorded', async () => {
        const details = (await stack.api.get(`/v1/orders/${first}/details`, auth)).body.details;
        return details.conversion_status ? details : undefined;
      });
      expect(kept).toMatchObject({
        status: 'credited',
        conversion_status: 'failed',
        conversion_to: 'USDT',
        conversion_reason_code: 'inventory_insufficient',
        conversion_amount_out: null,
      });
      expect(await balances(user.token)).toMatchObject({ ETH: '0.500000000000000000' });

      // with inventory, the next deposit is swapped at 3000 USDT/ETH less the spread and the fee
      const funded = await stack.api.post(
        '/v1/ops/exchange/inventory',
        { currency: 'USDT', amount: '100000.000000' },
        { ...admin, headers: { 'idempotency-key': 'conversion-inventory' } },
      );
      expect(funded.status).toBeLessThan(300);
      await (await customer.sendTransaction({ to: address, value: parseEther('0.25') })).wait();
      const second = await eventually('the second deposit credited', async () => {
        const ids = await creditedDeposits(user.token);
        return ids.length === 2 ? ids.find((id) => id !== first) : undefined;
      });
      const converted = await eventually('the conversion recorded', async () => {
        const details = (await stack.api.get(`/v1/orders/${second}/details`, auth)).body.details;
        return details.conversion_status ? details : undefined;
      });
      expect(converted).toMatchObject({
        conversion_status: 'converted',
        conversion_amount_in: '0.250000000000000000',
        conversion_reason: null,
      });
      const out = converted.conversion_amount_out as string;
      expect(Number(out)).toBeGreaterThan(740);
      expect(Number(out)).toBeLessThan(750);
      expect(await balances(user.token)).toMatchObject({ ETH: '0.500000000000000000', USDT: out });
      // the swap is an exchange order of the user's like any other
      const swaps = (await stack.api.get('/v1/orders/history?type=exchange', auth)).body.data;
      expect(swaps).toEqual([
        expect.objectContaining({ currency: 'ETH', counter_currency: 'USDT', amount: '0.250000000000000000' }),
      ]);

      // an on-chain deposit cannot be cancelled: 409 with the reason for its stage; another user's is absent
      const depositId = first!.replace(/^dep_/, '');
      const cancel = await stack.api.post(`/v1/deposits/${depositId}/cancel`, undefined, auth);
      expect(cancel.status).toBe(409);
      expect(cancel.body).toMatchObject({ code: 'deposit_not_cancellable', errors: [{ path: 'id' }] });
      expect(cancel.body.detail).toContain('withdraw it');
      const stranger = await stack.api.signUp('stranger@example.com');
      expect((await stack.api.post(`/v1/deposits/${depositId}/cancel`, undefined, { token: stranger.token })).status).toBe(404);
      expect((await stack.api.post('/v1/deposits/abc/cancel', undefined, auth)).status).toBe(400);

      expect((await stack.api.request('DELETE', '/v1/deposits/auto-conversions/ETH', undefined, auth)).status).toBe(204);
      expect((await stack.api.request('DELETE', '/v1/deposits/auto-conversions/ETH', undefined, auth)).status).toBe(404);
    },
  );

  it('converts a held deposit with the one that releases it: their sum less the one fee', { timeout: 180_000 }, async () => {
    const admin = { token: stack.admin.token };
    const user = await stack.api.signUp('held-converter@example.com');
    const auth = { token: user.token };
    const settings = { values: { min_amount: '0.3', fee_fixed: '0.01' } };
    expect((await stack.api.put(`/v1/ops/settings/deposits/ETH/user/${user.id}`, settings, admin)).status).toBe(200);
    expect((await stack.api.put('/v1/deposits/auto-conversions/ETH', { to_currency: 'USDT' }, auth)).status).toBe(200);
    const funded = await stack.api.post(
      '/v1/ops/exchange/inventory',
      { currency: 'USDT', amount: '100000.000000' },
      { ...admin, headers: { 'idempotency-key': 'held-conversion-inventory' } },
    );
    expect(funded.status).toBeLessThan(300);
    const address = (await stack.api.post('/v1/deposit/address', { currency: 'ETH' }, auth)).body.address;

    await (await customer.sendTransaction({ to: address, value: parseEther('0.2') })).wait();
    await eventually('the small deposit held', async () =>
      ((await stack.api.get('/v1/deposits', auth)).body.data as Array<{ status: string }>).find((d) => d.status === 'held'),
    );
    await (await customer.sendTransaction({ to: address, value: parseEther('0.15') })).wait();
    const converted = await eventually('the conversion recorded', async () => {
      for (const id of await creditedDeposits(user.token)) {
        const details = (await stack.api.get(`/v1/orders/${id}/details`, auth)).body.details;
        if (details.conversion_status) return details;
      }
      return undefined;
    });
    expect(converted).toMatchObject({ conversion_status: 'converted', conversion_amount_in: '0.340000000000000000' });
    expect(await balances(user.token)).toMatchObject({ ETH: '0.000000000000000000', USDT: converted.conversion_amount_out });
  });
});
