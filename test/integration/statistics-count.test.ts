/**
 * GET /v1/statistics counts operations, as its document says: a swap writes its amount and its fee as two entries and
 * counts once. Its types are the ledger's entry types (a bet's are bet_settlement and bet_payout, never `bet`).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXCHANGE_INVENTORY, swapGroup } from '../../domain/fast-exchange/ledger.js';
import { userAccountName, type TransferRequest } from '../../domain/ledger/engine.js';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

const adjustment = (key: string, credit: string, currency: string, amount: bigint): TransferRequest => ({
  kind: 'posted',
  key,
  debit: 'equity:adjustments',
  credit,
  currency,
  amount,
  metadata: { type: 'adjustment' },
});

async function submit(group: Parameters<TestApp['deps']['ledger']['submit']>[0]) {
  expect(await t.deps.ledger.submit(group)).toMatchObject({ ok: true });
}

describe('statistics count', () => {
  it('counts a swap once though it writes its amount and fee as two entries', async () => {
    const user = await t.api.signUp('stats-count@example.com');
    await submit({
      transfers: [
        adjustment(`fund:${user.id}`, userAccountName(user.id), 'USD', 10_000n),
        adjustment(`inventory:${user.id}`, EXCHANGE_INVENTORY, 'EUR', 10_000n),
      ],
    });
    for (const n of [1, 2]) {
      const quote = { id: randomUUID(), userId: user.id, pair: 'EUR-USD', from: 'USD', to: 'EUR' };
      const amounts = { amountIn: 1_000n, fee: 10n, amountOut: 900n, baseAmount: 900n };
      const context = { day: '2026-12-04', dailyLimit: null, idempotencyKey: `swap-${n}`, claimKey: true };
      await submit(swapGroup({ ...quote, ...amounts }, context));
    }

    const stats = await t.api.get('/v1/statistics', { token: user.token });
    expect(stats.status).toBe(200);
    expect(stats.body.data).toEqual(
      expect.arrayContaining([
        { currency: 'USD', type: 'fast_exchange', received: '0.00', sent: '20.00', count: 2 },
        { currency: 'EUR', type: 'fast_exchange', received: '18.00', sent: '0.00', count: 2 },
        { currency: 'USD', type: 'adjustment', received: '100.00', sent: '0.00', count: 1 },
      ]),
    );
  });

  it('documents count as operations and type as the ledger entry types', async () => {
    const document = await t.api.get('/openapi.json');
    const totals = document.body.components.schemas.OperationTotals.properties;
    expect(totals.count.description).toMatch(/operations/);
    expect(totals.type.description).toMatch(/bet_settlement, bet_payout/);
    expect(totals.type.description).not.toMatch(/\bbet,/);
  });
});
