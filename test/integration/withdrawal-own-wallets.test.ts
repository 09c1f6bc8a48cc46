/**
 * A withdrawal to one of our own custody wallets is refused whatever order the processes started in: the request is
 * refused once the worker has registered its wallets, and a request served before that (or to a wallet added to the
 * configuration since) is refused before its payout is signed (the workflow then releases the hold, ends it `rejected`
 * and the operators are alerted).
 */
import pino from 'pino';
import { Wallet as XrplWallet } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { userAccountName } from '../../domain/ledger/engine.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { loadCurrencies } from '../../services/currencies/catalog.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { registerCustodyAddresses, type CustodyAddress } from '../../services/reconciliation/client.js';
import { requestWithdrawal, requireWithdrawable } from '../../services/withdrawals/service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fundedUser } from '../support/funded-user.js';
import { withdrawalActivities } from '../support/withdrawal-activities.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

// no Temporal here: the request's start fails and is left to the worker's sweep, as when Temporal is down
const temporal = {
  client: { workflow: { start: () => Promise.reject(new Error('no Temporal in this test')) } },
  taskQueue: 'none',
} as unknown as TemporalTarget;
const timings = { confirmTtlMs: 600_000, approvalTtlMs: 600_000, pollIntervalMs: 30_000 };

async function request(userId: string, currency: string, address: string, key: string) {
  const withdrawable = requireWithdrawable((await loadCurrencies(db.sql)).find((c) => c.code === currency)!);
  const deps = { sql: db.sql, temporal, timings, log: pino({ level: 'silent' }), requireVerifiedEmail: false };
  return requestWithdrawal(deps, {
    userId,
    idempotencyKey: key,
    currency: withdrawable,
    amount: 1_000_000n,
    address,
    destinationTag: null,
  });
}

const cold = '0x' + 'c0'.repeat(20);
const xrplHot = XrplWallet.generate().classicAddress;
const wallets: CustodyAddress[] = [
  { chain: 'evm-31337', address: cold, account: 'custody:cold:evm-31337', label: 'cold wallet' },
  { chain: XRPL_CHAIN, address: xrplHot, account: `custody:hot:${XRPL_CHAIN}`, label: 'hot wallet xrpl-hot' },
];

describe('a withdrawal to a custody wallet the worker had not registered when it was requested', () => {
  it('is held at request, then refused before its payout is signed, with an operator alert; once registered, refused at request', async () => {
    const userId = await fundedUser(db.sql, 'own-wallets', { ETH: 10_000_000n, XRP: 10_000_000n });
    const requested = [
      (await request(userId, 'ETH', cold, 'eth-cold')).withdrawal,
      (await request(userId, 'XRP', xrplHot, 'xrp-hot')).withdrawal,
    ];
    expect(requested.map((w) => w.status)).toEqual(['awaiting_confirmation', 'awaiting_confirmation']);

    await registerCustodyAddresses(db.sql, wallets); // the worker starts
    const activities = withdrawalActivities(db.sql);
    for (const w of requested) {
      expect(await activities.payoutRefusal({ id: w.id })).toBe(
        "address is one of Sluice's own wallets: the payout would leave your balance and be credited to no one",
      );
      await activities.releaseWithdrawal({ id: w.id }); // what the workflow does next
    }
    for (const currency of ['ETH', 'XRP'])
      expect(await balanceOf(db.sql, userAccountName(userId), currency)).toMatchObject({ debitsPending: 0n });
    const alerts = await db.sql`
      select key, severity, body from notifications where kind = 'withdrawal_paying_ourselves' and user_id is null order by id`;
    expect(alerts.map((a) => [a.key, a.severity, a.body.address])).toEqual([
      [`withdrawal:${requested[0]!.id}:paying-ourselves`, 'warning', requested[0]!.address],
      [`withdrawal:${requested[1]!.id}:paying-ourselves`, 'warning', xrplHot],
    ]);

    await expect(request(userId, 'ETH', cold, 'eth-cold-again')).rejects.toMatchObject({
      code: 'invalid_address',
      issues: [{ path: 'address', message: expect.stringContaining("Sluice's own wallets") }],
    });
  });

  it('lets a payout to anyone else go on to its providers', async () => {
    const userId = await fundedUser(db.sql, 'elsewhere', { ETH: 10_000_000n });
    const { withdrawal } = await request(userId, 'ETH', '0x' + '5e'.repeat(20), 'eth-elsewhere');
    expect(await withdrawalActivities(db.sql).payoutRefusal({ id: withdrawal.id })).toBeNull();
  });
});
