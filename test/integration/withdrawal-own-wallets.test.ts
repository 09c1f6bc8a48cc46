/**
 * A withdrawal to one of our own custody wallets is refused whatever order the processes started in: a wallet the
 * configuration names is refused at request, before any worker has registered it, by the same rule the workflow asks
 * again before the payout is signed; a wallet only a worker knows (added to its configuration, not yet to the API's) is
 * refused before its payout is signed (the workflow then releases the hold, ends it `rejected` and the operators are
 * alerted), and at request once that worker has registered it.
 */
import pino from 'pino';
import { Wallet as XrplWallet } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANVIL_MNEMONIC, devAddress, DevAccount, devCustodySettings } from '../../chains/evm/dev-accounts.js';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { userAccountName } from '../../domain/ledger/engine.js';
import { loadConfig } from '../../platform/config.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { loadCurrencies } from '../../services/currencies/catalog.js';
import { balanceOf } from '../../services/ledger/queries.js';
import {
  configuredCustodyAddresses,
  registerCustodyAddresses,
  type CustodyAddress,
  type CustodyWalletAddresses,
} from '../../services/reconciliation/client.js';
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
const noneConfigured: CustodyWalletAddresses = { evm: new Set(), xrpl: new Set() };

async function request(userId: string, currency: string, address: string, key: string, custodyWallets = noneConfigured) {
  const withdrawable = requireWithdrawable((await loadCurrencies(db.sql)).find((c) => c.code === currency)!);
  const deps = { sql: db.sql, temporal, timings, log: pino({ level: 'silent' }), requireVerifiedEmail: false, custodyWallets };
  return requestWithdrawal(deps, {
    userId,
    idempotencyKey: key,
    currency: withdrawable,
    amount: 1_000_000n,
    address,
    destinationTag: null,
  });
}

const OWN_WALLET = "address is one of Sluice's own wallets: the payout would leave your balance and be credited to no one";
const refusedAsOurs = {
  code: 'invalid_address',
  issues: [{ path: 'address', message: expect.stringContaining("Sluice's own wallets") }],
};

describe('a withdrawal to a custody wallet the configuration names', () => {
  // the dev chain's wallets, its node never asked: the API knows them from its configuration alone
  const xrplSeed = XrplWallet.generate().seed!;
  const config = loadConfig({
    SLUICE_ENV: 'dev',
    EVM_RPC_URL: 'http://127.0.0.1:1',
    EVM_DEPOSIT_MNEMONIC: ANVIL_MNEMONIC,
    XRPL_HOT_WALLET_SEED: xrplSeed,
    ...devCustodySettings({}),
  });
  const configured = configuredCustodyAddresses(config);

  it('is refused at request, before any worker has registered it, on either network and in any letter case', async () => {
    const userId = await fundedUser(db.sql, 'configured', { ETH: 10_000_000n, XRP: 10_000_000n });
    const evmWallets = [DevAccount.GasKeeper, DevAccount.ColdWallet, DevAccount.HotWalletA].map(devAddress);
    for (const [i, address] of evmWallets.entries())
      await expect(
        request(userId, 'ETH', address.toUpperCase().replace('0X', '0x'), `eth-${i}`, configured),
      ).rejects.toMatchObject(refusedAsOurs);
    const xrplHot = XrplWallet.fromSeed(xrplSeed).classicAddress;
    await expect(request(userId, 'XRP', xrplHot, 'xrp-hot', configured)).rejects.toMatchObject(refusedAsOurs);
    expect(await db.sql`select 1 from custody_addresses`).toHaveLength(0);
    expect(await db.sql`select 1 from withdrawals where user_id = ${userId}`).toHaveLength(0);
  });

  it('taken by a process that did not name it, is refused before sending by a worker that does, by the same rule', async () => {
    const userId = await fundedUser(db.sql, 'configured-later', { ETH: 10_000_000n });
    const { withdrawal } = await request(userId, 'ETH', devAddress(DevAccount.ColdWallet), 'eth-cold-later');
    expect(await withdrawalActivities(db.sql, { custodyWallets: configured }).payoutRefusal({ id: withdrawal.id })).toBe(
      OWN_WALLET,
    );
  });
});

describe('a withdrawal to a custody wallet only a worker knows', () => {
  const cold = '0x' + 'c0'.repeat(20);
  const xrplHot = XrplWallet.generate().classicAddress;
  const wallets: CustodyAddress[] = [
    { chain: 'evm-31337', address: cold, account: 'custody:cold:evm-31337', label: 'cold wallet' },
    { chain: XRPL_CHAIN, address: xrplHot, account: `custody:hot:${XRPL_CHAIN}`, label: 'hot wallet xrpl-hot' },
  ];

  it('is held at request, then refused before its payout is signed, with an operator alert; once registered, refused at request', async () => {
    const userId = await fundedUser(db.sql, 'own-wallets', { ETH: 10_000_000n, XRP: 10_000_000n });
    const requested = [
      (await request(userId, 'ETH', cold, 'eth-cold')).withdrawal,
      (await request(userId, 'XRP', xrplHot, 'xrp-hot')).withdrawal,
    ];
    expect(requested.map((w) => w.status)).toEqual(['awaiting_confirmation', 'awaiting_confirmation']);

    await registerCustodyAddresses(db.sql, wallets); // the worker that names them starts
    const activities = withdrawalActivities(db.sql);
    for (const w of requested) {
      expect(await activities.payoutRefusal({ id: w.id })).toBe(OWN_WALLET);
      await activities.releaseWithdrawal({ id: w.id }); // what the workflow does next
    }
    for (const currency of ['ETH', 'XRP'])
      expect(await balanceOf(db.sql, userAccountName(userId), currency)).toMatchObject({ debitsPending: 0n });
    const alerts = await db.sql`
      select key, severity, body from notifications
      where kind = 'withdrawal_paying_ourselves' and user_id is null and body->>'withdrawal_id' in ${db.sql(requested.map((w) => w.id))}
      order by id`;
    expect(alerts.map((a) => [a.key, a.severity, a.body.address])).toEqual([
      [`withdrawal:${requested[0]!.id}:paying-ourselves`, 'warning', requested[0]!.address],
      [`withdrawal:${requested[1]!.id}:paying-ourselves`, 'warning', xrplHot],
    ]);

    await expect(request(userId, 'ETH', cold, 'eth-cold-again')).rejects.toMatchObject(refusedAsOurs);
  });

  it('lets a payout to anyone else go on to its providers', async () => {
    const userId = await fundedUser(db.sql, 'elsewhere', { ETH: 10_000_000n });
    const { withdrawal } = await request(userId, 'ETH', '0x' + '5e'.repeat(20), 'eth-elsewhere');
    expect(await withdrawalActivities(db.sql).payoutRefusal({ id: withdrawal.id })).toBeNull();
  });
});
