/**
 * The EVM listener on an anvil of this file's own (it is reorganised) and a real database, token transfers' ways to
 * be booked twice or missed: a transfer a reorg deeper than the confirmations mines again in another block, at
 * another log index, is the deposit already credited (not a second one), or the custody top-up already booked; and a
 * token whose currency is disabled is still watched, so its deposits are recorded and credited by the deposit
 * settings' rule.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Contract, Wallet, parseEther, parseUnits, type HDNodeWallet, type JsonRpcProvider } from 'ethers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EvmListener } from '../../chains/evm/listener/listener.js';
import { NewHeads } from '../../chains/evm/new-heads.js';
import { deployTestUsdt } from '../../chains/evm/test-usdt.js';
import type { AnvilChain } from '../../platform/embedded/anvil.js';
import { createLogger } from '../../platform/log.js';
import type { ListenerOutbox } from '../../services/deposits/evm-outbox.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { bookCustodyTopUps } from '../../services/reconciliation/booking.js';
import { registerCustodyAddresses } from '../../services/reconciliation/store.js';
import { hotCustodyAccount } from '../../domain/deposits/credit.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { eventually, setBalance, testProvider } from '../support/evm.js';
import { startOwnAnvil } from '../support/own-anvil.js';

const CHAIN = 'evm-31337';
const CONFIRMATIONS = 2;

let anvil: AnvilChain;
let provider: JsonRpcProvider;
let db: TestDatabase;
let listener: EvmListener;
let running: Promise<void>;
let userId: string;
let address: string;
let usdt: string;
let customer: HDNodeWallet;
let stranger: HDNodeWallet;

const fundedWallet = async () => {
  const wallet = Wallet.createRandom(provider);
  await setBalance(provider, wallet.address, parseEther('10'));
  return wallet;
};
const token = (signer: HDNodeWallet) =>
  new Contract(usdt, ['function transfer(address to, uint256 value) returns (bool)'], signer);
/** A token transfer signed and not sent: it can be sent, and mined again by a reorg. */
const signedTransfer = async (from: HDNodeWallet, to: string, value: bigint, priorityFee: bigint) =>
  from.signTransaction(
    await from.populateTransaction({
      ...(await token(from).getFunction('transfer').populateTransaction(to, value)),
      maxPriorityFeePerGas: priorityFee,
      maxFeePerGas: parseUnits('100', 'gwei'),
    }),
  );
const mine = async (blocks: number) => {
  for (let i = 0; i < blocks; i++) await provider.send('evm_mine', []);
};
/** Waits until the listener has recorded the chain's head. */
const recordedHead = () =>
  eventually('the listener at the head', async () => {
    const head = await provider.getBlockNumber();
    const [checkpoint] = await db.sql`select block_number from evm_listener_checkpoints where chain = ${CHAIN}`;
    return checkpoint !== undefined && BigInt(checkpoint.blockNumber as string) >= BigInt(head);
  });
const depositsOf = (txHash: string) =>
  db.sql`select id, status, event_index, event_key from deposits where tx_hash = ${txHash.toLowerCase()} order by id`;
const topUpsOf = (txHash: string) =>
  db.sql`select key, amount from ledger_transfers where key like ${`custody-inflow:${CHAIN}:${txHash.toLowerCase()}:%`}`;
/** Replaces the blocks from the one `mined` is in up to the head with new ones: a stranger's transfer, then `signed`. */
const reorgAround = async (mined: { blockNumber: number }, signed: string) => {
  const head = await provider.getBlockNumber();
  const ahead = await signedTransfer(stranger, Wallet.createRandom().address, 1n, parseUnits('5', 'gwei'));
  await provider.send('anvil_reorg', [
    head - mined.blockNumber + 1,
    [
      [ahead, 0],
      [signed, 0],
    ],
  ]);
};
const usdtBalance = async () => balanceView(await balanceOf(db.sql, userAccountName(userId), 'USDT')).posted;

beforeAll(async () => {
  [anvil, db] = await Promise.all([startOwnAnvil('anvil-token-deposits'), createTestDatabase()]);
  provider = testProvider(anvil.rpcUrl);
  const owner = await fundedWallet();
  usdt = (await deployTestUsdt(owner, 10n ** 15n)).toLowerCase();
  [customer, stranger] = [await fundedWallet(), await fundedWallet()];
  for (const holder of [customer, stranger])
    await (await token(owner).getFunction('transfer')(holder.address, 10n ** 12n)).wait();
  await db.sql`update currencies set token_contract = ${usdt} where code = 'USDT'`;
  userId = (await insertUser(db.sql, { email: 'token-deposits@example.com', passwordHash: 'x', role: 'user' }))!.id;
  address = Wallet.createRandom().address.toLowerCase();
  await db.sql`insert into evm_deposit_addresses (user_id, hd_index, address) values (${userId}, 0, ${address})`;

  const log = createLogger('evm-listener-test', 'silent');
  listener = new EvmListener({
    sql: db.sql,
    provider,
    heads: new NewHeads(undefined, log, { pollIntervalMs: 100, safetyIntervalMs: 100 }),
    // nothing here runs workflows: the listener credits in the transaction that records the confirming block
    outbox: { kick: () => {}, stop: async () => {} } as unknown as ListenerOutbox,
    log,
    settings: {
      chain: CHAIN,
      confirmations: CONFIRMATIONS,
      reorgDepth: 6,
      blockRange: 10,
      traceInternal: false,
      startBlock: BigInt(await provider.getBlockNumber()),
    },
  });
  running = listener.run();
});
afterAll(async () => {
  listener?.stop();
  await running;
  provider?.destroy();
  await Promise.all([anvil?.stop(), db?.drop()]);
});

describe('EVM token deposits', () => {
  it(
    'a transfer a deep reorg mines again at another log index is the deposit already credited, not a new one',
    { timeout: 60_000 },
    async () => {
      const before = await usdtBalance();
      const deposit = await signedTransfer(customer, address, 5_000_000n, parseUnits('1', 'gwei'));
      const sent = await provider.broadcastTransaction(deposit);
      const first = (await sent.wait())!;
      expect(first.logs[0]!.index).toBe(0);
      await mine(CONFIRMATIONS);
      await eventually('the deposit credited', async () => (await depositsOf(sent.hash))[0]?.status === 'credited');
      expect(await usdtBalance()).toBe(before + 5_000_000n);

      // the deposit's block and those confirming it are replaced: the same transaction mined again in their place,
      // after a stranger's transfer (a higher tip: first in the block), so its log is the block's second
      await reorgAround(first, deposit);
      const again = (await provider.getTransactionReceipt(sent.hash))!;
      expect(again.blockHash).not.toBe(first.blockHash);
      expect(again.logs[0]!.index).toBe(1);
      await mine(CONFIRMATIONS + 1);
      await recordedHead();
      await sleep(300); // a round more: nothing else is recorded or credited

      expect(await depositsOf(sent.hash)).toEqual([
        expect.objectContaining({ status: 'credited', eventIndex: 0, eventKey: `${usdt}:${address}:0` }),
      ]);
      expect(await usdtBalance()).toBe(before + 5_000_000n);
      // its block left the chain after it was credited: operators are told, as before
      const [alerts] = await db.sql`select count(*)::int as n from notifications where kind = 'evm_deep_reorg'`;
      expect(alerts!.n).toBe(1);
    },
  );

  it(
    'a custody top-up a deep reorg mines again at another log index is the top-up already booked, not a new one',
    { timeout: 60_000 },
    async () => {
      const hotWallet = Wallet.createRandom().address.toLowerCase();
      await registerCustodyAddresses(db.sql, [
        { chain: CHAIN, address: hotWallet, account: hotCustodyAccount(CHAIN), label: 'hot' },
      ]);
      const topUp = await signedTransfer(customer, hotWallet, 7_000_000n, parseUnits('1', 'gwei'));
      const sent = await provider.broadcastTransaction(topUp);
      const first = (await sent.wait())!;
      expect(first.logs[0]!.index).toBe(0);
      await mine(CONFIRMATIONS);
      await recordedHead();
      expect(await bookCustodyTopUps(db.sql, CHAIN, CONFIRMATIONS)).toBe(1);

      await reorgAround(first, topUp);
      expect((await provider.getTransactionReceipt(sent.hash))!.logs[0]!.index).toBe(1);
      await mine(CONFIRMATIONS + 1);
      await recordedHead();

      expect(await bookCustodyTopUps(db.sql, CHAIN, CONFIRMATIONS)).toBe(0);
      expect(await topUpsOf(sent.hash)).toEqual([
        { key: `custody-inflow:${CHAIN}:${sent.hash.toLowerCase()}:${usdt}:${hotWallet}:0`, amount: 7_000_000n },
      ]);
      const inflows =
        await db.sql`select event_index, event_key, booked from custody_inflows where tx_hash = ${sent.hash.toLowerCase()}`;
      expect(inflows).toEqual([{ eventIndex: 0, eventKey: `${usdt}:${hotWallet}:0`, booked: true }]);
    },
  );

  it('records and credits the deposits of a token whose currency is disabled', { timeout: 60_000 }, async () => {
    await db.sql`update currencies set enabled = false where code = 'USDT'`;
    try {
      const before = await usdtBalance();
      const sent = await provider.broadcastTransaction(
        await signedTransfer(customer, address, 3_000_000n, parseUnits('1', 'gwei')),
      );
      await sent.wait();
      await mine(CONFIRMATIONS);
      await recordedHead();
      await eventually('the deposit credited', async () => (await depositsOf(sent.hash))[0]?.status === 'credited', 5_000);
      expect(await usdtBalance()).toBe(before + 3_000_000n);
    } finally {
      await db.sql`update currencies set enabled = true where code = 'USDT'`;
    }
  });
});
