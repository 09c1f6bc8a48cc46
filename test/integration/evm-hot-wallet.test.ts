/**
 * The EVM hot wallet paying withdrawals on an anvil of its own, through the real sender and a real database: a payout
 * stored signed whose broadcast fails is still the withdrawal's payout (its hash the answer), never an error that lets
 * the withdrawal end unpaid while the stored transaction goes out later; and a payout whose check keeps failing
 * alerts operators instead of leaving its withdrawal waiting silently.
 */
import { JsonRpcProvider, Wallet, parseEther } from 'ethers';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { EvmContext } from '../../chains/evm/context.js';
import { EvmSender } from '../../chains/evm/sender.js';
import { sendsByKeys } from '../../chains/evm/sends-store.js';
import { SignerThread } from '../../chains/evm/signer-thread.js';
import { EvmHotWallet, payoutSendKey } from '../../chains/withdrawals/evm-hot-wallet.js';
import type { PayoutCheck } from '../../chains/withdrawals/provider.js';
import type { AnvilChain } from '../../platform/embedded/anvil.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually, setBalance } from '../support/evm.js';
import { startOwnAnvil } from '../support/own-anvil.js';
import { withdrawalActivities } from '../support/withdrawal-activities.js';

const CHAIN = 'evm-31337';

/** A node that, while `unreachable`, takes no transaction: its answer to a broadcast is lost (a restart, a timeout). */
class FlakyNode extends JsonRpcProvider {
  unreachable = false;
  override async send(method: string, params: unknown[] | Record<string, unknown>): Promise<unknown> {
    if (this.unreachable && method === 'eth_sendRawTransaction') throw new Error('socket hang up');
    return super.send(method, params);
  }
}

let anvil: AnvilChain;
let node: FlakyNode;
let db: TestDatabase;
let evm: EvmContext;
let wallet: EvmHotWallet;
const signers = new SignerThread(null);
const log = pino({ level: 'silent' });

beforeAll(async () => {
  [anvil, db] = await Promise.all([startOwnAnvil('anvil-hot-wallet'), createTestDatabase()]);
  node = new FlakyNode(anvil.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1, pollingInterval: 100 });
  await db.sql`select 1`; // postgres.js learns the array types on its first connection
  evm = {
    chain: CHAIN,
    chainId: 31337n,
    provider: node,
    sender: new EvmSender({ sql: db.sql, provider: node, chain: CHAIN, chainId: 31337n, confirmations: 1 }),
    signers,
    gasKeeper: signers.keySigner(Wallet.createRandom().privateKey),
    coldWallet: Wallet.createRandom().address.toLowerCase(),
    confirmations: 1,
    sweepMinimums: new Map(),
    gasMarginPercent: 20,
    resubmitAfterMs: 60_000,
    gasKeeperSettings: { minBalance: '0', maxFunding: '0', pollSeconds: 60 },
  };
  const key = Wallet.createRandom().privateKey;
  wallet = new EvmHotWallet('evm-hot', key, ['ETH'], { sql: db.sql, evm, catalog: new CurrencyCatalog(db.sql), log });
  await setBalance(node, wallet.address, parseEther('10'));
});
afterAll(async () => {
  node?.destroy();
  await Promise.all([anvil?.stop(), db?.drop(), signers.close()]);
});

describe('EVM hot wallet', () => {
  it('answers the stored payout when its broadcast fails, and the confirmation checks broadcast it, once', async () => {
    const to = Wallet.createRandom().address;
    const request = { withdrawalId: 'w-unheard', currency: 'ETH', amount: 1_000n, address: to, destinationTag: null };
    node.unreachable = true;
    // every try of the activity: signed and stored on the first, its broadcast lost each time
    const answers = [await wallet.send(request), await wallet.send(request), await wallet.send(request)];
    const stored = (await sendsByKeys(db.sql, CHAIN, [payoutSendKey(request.withdrawalId)])).get(
      payoutSendKey(request.withdrawalId),
    )!;
    expect(stored.attempts).toHaveLength(1);
    expect(answers).toEqual([1, 2, 3].map(() => ({ txHash: stored.attempts[0]!.txHash })));
    expect(await node.getTransaction(stored.attempts[0]!.txHash)).toBeNull();

    node.unreachable = false;
    // the workflow waits on the chain for that hash; its checks broadcast the stored transaction
    await eventually('the payout confirmed', async () => {
      const check = await wallet.check(request.withdrawalId, stored.attempts[0]!.txHash, 1);
      return check.state === 'confirmed' ? check : undefined;
    });
    expect(await node.getBalance(to)).toBe(1_000n);
    expect(await node.getTransactionCount(wallet.address)).toBe(1);
  });

  it("alerts operators once a withdrawal's payout check keeps failing (a payout the node refuses), and keeps trying", async () => {
    const user = await insertUser(db.sql, { email: 'hot-wallet@example.com', passwordHash: 'x', role: 'user' });
    const to = Wallet.createRandom().address;
    const [row] = await db.sql`
      insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, status, approval_required, counters)
      values (${user!.id}, 'refused', 'ETH', 2000, 10, ${to}, 'queued', false, '[]') returning id`;
    const id = row!.id as string;
    const activities = withdrawalActivities(db.sql, { withdrawalProviders: new Map([[wallet.id, wallet]]) });
    node.unreachable = true;
    const { txHash } = await activities.sendWithdrawal({ id, providerId: wallet.id });
    await activities.recordWithdrawalStatus({ id, status: 'broadcast', providerId: wallet.id, txHash });
    const alerts = () => db.sql`select kind, severity from notifications where key = ${`withdrawal:${id}:check-failing`}`;

    const check = (attempt: number): Promise<PayoutCheck> =>
      new MockActivityEnvironment({ attempt }).run(activities.checkWithdrawalTransaction, { id });
    await expect(check(1)).rejects.toThrow(/socket hang up/);
    expect(await alerts()).toEqual([]); // a blip is not worth an alert
    await expect(check(8)).rejects.toThrow(/socket hang up/);
    await expect(check(9)).rejects.toThrow(/socket hang up/);
    expect(await alerts()).toEqual([{ kind: 'withdrawal_payout_unchecked', severity: 'critical' }]);

    node.unreachable = false;
    await eventually('the payout confirmed', async () => {
      const state = await check(10);
      return state.state === 'confirmed' ? state : undefined;
    });
    expect(await node.getBalance(to)).toBe(2000n);
  });

  it("answers a confirmed payout with the hash it was mined under: a raised fee's replacement, not the first", async () => {
    // a wallet whose payouts are stale at once: each check raises the fees of one not mined
    const raising = new EvmHotWallet('evm-hot-raising', Wallet.createRandom().privateKey, ['ETH'], {
      sql: db.sql,
      evm: { ...evm, resubmitAfterMs: 0 },
      catalog: new CurrencyCatalog(db.sql),
      log,
    });
    await setBalance(node, raising.address, parseEther('1'));
    const request = {
      withdrawalId: 'w-raised',
      currency: 'ETH',
      amount: 3_000n,
      address: Wallet.createRandom().address,
      destinationTag: null,
    };
    await node.send('evm_setAutomine', [false]);
    try {
      const { txHash: sent } = await raising.send(request);
      expect(await raising.check(request.withdrawalId, sent, 1)).toEqual({ state: 'pending', confirmations: 0 });
      const raised = (await sendsByKeys(db.sql, CHAIN, [payoutSendKey(request.withdrawalId)])).get(
        payoutSendKey(request.withdrawalId),
      )!.attempts[1]!.txHash;
      expect(raised).not.toBe(sent);
      await node.send('evm_mine', []);
      await node.send('evm_mine', []);
      expect(await raising.check(request.withdrawalId, sent, 1)).toMatchObject({ state: 'confirmed', txHash: raised });
    } finally {
      await node.send('evm_setAutomine', [true]);
    }
  });

  it('refuses, storing nothing, when it cannot cover the payout: the next provider may pay it', async () => {
    const request = {
      withdrawalId: 'w-too-much',
      currency: 'ETH',
      amount: parseEther('100'),
      address: Wallet.createRandom().address,
      destinationTag: null,
    };
    await expect(wallet.send(request)).rejects.toThrow(/wei free/);
    expect((await sendsByKeys(db.sql, CHAIN, [payoutSendKey(request.withdrawalId)])).size).toBe(0);
  });
});
