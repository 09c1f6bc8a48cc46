/**
 * A sweeper's tick against a chain of its own (anvil mining a block per transaction) and a real database, rows laid
 * out as the listener and the keeper leave them: a wallet credited while a tick runs is swept by that tick (the late
 * look), a token sweep is signed and stored while its funding is in flight and that one broadcast once it is mined
 * (as soon as the node has it in a block, before the listener's record), and a lane waiting for its sweep's own funding claims the wallet's early funding stored meanwhile;
 * a confirm step reconciling the wallet leaves a held sweep stored until its funding is mined; a disabled currency's
 * credited deposits are swept like any other's.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import {
  Contract,
  HDNodeWallet,
  Transaction,
  Wallet,
  parseEther,
  parseUnits,
  type JsonRpcProvider,
  type NonceManager,
} from 'ethers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sweepTick, type SweeperDeps } from '../../activities/collection/sweeper/tick.js';
import { createGasKeeperActivities, type GasKeeperReport } from '../../activities/collection/gas-keeper.js';
import { fundingMinedBy } from '../../activities/collection/sweeper/gas-funding.js';
import { sweepConfirmed } from '../../activities/collection/sweeper/confirm.js';
import { holdSweep } from '../../activities/collection/sweeper/send.js';
import { planSweeps } from '../../activities/collection/sweeper/plan.js';
import { batchedSweepReads } from '../../activities/collection/sweeper/reads.js';
import { batchedSweepWrites } from '../../activities/collection/sweeper/writes.js';
import type { SweepDeps } from '../../activities/collection/sweeper/context.js';
import { EvmSender } from '../../chains/evm/sender.js';
import { encodeTransfer } from '../../chains/evm/erc20.js';
import { SignerThread } from '../../chains/evm/signer-thread.js';
import { quoteFees, sharedFeeQuote } from '../../chains/evm/provider.js';
import type { EvmContext } from '../../chains/evm/context.js';
import { sweepsByIds } from '../../services/collection/sweeps-store.js';
import { CurrencyCatalog, setTokenContract } from '../../services/currencies/catalog.js';
import { earlyFundingKey } from '../../domain/collection/rules.js';
import { createLogger } from '../../platform/log.js';
import type { AnvilChain } from '../../platform/embedded/anvil.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { deployUsdt, eventually, fundedWallet, setBalance, testProvider } from '../support/evm.js';
import { startOwnAnvil } from '../support/own-anvil.js';

const CHAIN = 'evm-31337';
const PHRASE = Wallet.createRandom().mnemonic!.phrase;
const KEEPER = Wallet.createRandom();

let anvil: AnvilChain;
let provider: JsonRpcProvider;
let db: TestDatabase;
let connection: Connection;
let customer: NonceManager;
let usdt: string;
const signers = new SignerThread(PHRASE);
let evm: EvmContext;
let base: SweeperDeps;

beforeAll(async () => {
  [anvil, db, connection] = await Promise.all([
    startOwnAnvil('anvil-sweeper-tick'),
    createTestDatabase(),
    Connection.connect({ address: inject('temporalAddress') }),
  ]);
  provider = testProvider(anvil.rpcUrl);
  customer = await fundedWallet(provider, '100');
  usdt = await deployUsdt(provider, customer);
  await setTokenContract(db.sql, 'USDT', usdt);
  evm = {
    chain: CHAIN,
    chainId: 31337n,
    provider,
    sender: new EvmSender({ sql: db.sql, provider, chain: CHAIN, chainId: 31337n, confirmations: 1 }),
    signers,
    gasKeeper: signers.keySigner(KEEPER.privateKey),
    coldWallet: Wallet.createRandom().address.toLowerCase(),
    confirmations: 1,
    sweepMinimums: new Map(),
    gasMarginPercent: 20,
    resubmitAfterMs: 60_000,
    gasKeeperSettings: { minBalance: '0', maxFunding: parseEther('1').toString(), pollSeconds: 60 },
  };
  base = {
    sql: db.sql,
    log: createLogger('sweeper-tick-test', 'silent'),
    evm,
    currencies: new CurrencyCatalog(db.sql),
    // no test here wakes the keeper: its task queue has no worker
    temporal: { client: new Client({ connection }), taskQueue: `sweeper-tick-test-${Date.now()}` },
  };
});
afterAll(async () => {
  provider?.destroy();
  await Promise.all([anvil?.stop(), db?.drop(), signers.close(), connection?.close()]);
});

let wallets = 0;
/** A user's deposit wallet (its key derived from PHRASE, as the worker's signer thread derives it). */
async function depositWallet(): Promise<{ address: string; userId: string; index: number }> {
  const index = wallets++;
  const address = HDNodeWallet.fromPhrase(PHRASE, undefined, `m/44'/60'/0'/0/${index}`).address.toLowerCase();
  const [user] = await db.sql`insert into users (email, password_hash) values (${`w${index}@example.com`}, 'x') returning id`;
  await db.sql`insert into evm_deposit_addresses (user_id, hd_index, address) values (${user!.id}, ${index}, ${address})`;
  return { address, userId: user!.id as string, index };
}

/**
 * The listener's record: the chain's head recorded, and a credited deposit in it (mined by `txHash`), or one held
 * (`pending`: confirmed, not credited, as a deposit above its user's maximum waits for an operator).
 */
async function credited(
  wallet: { address: string; userId: string },
  currency: string,
  amount: bigint,
  txHash: string,
  status: 'credited' | 'pending' = 'credited',
) {
  const receipt = (await provider.getTransactionReceipt(txHash))!;
  await recordHead();
  const [deposit] = await db.sql`
    insert into deposits (user_id, currency, chain, address, amount, tx_hash, event_index, event_key, workflow_id, status, credited_at)
    values (${wallet.userId}, ${currency}, ${CHAIN}, ${wallet.address}, ${amount.toString()}, ${txHash}, 0, '0',
            ${`deposit:${txHash}`}, ${status}, ${status === 'credited' ? new Date() : null})
    returning id`;
  await db.sql`
    insert into evm_deposit_observations (deposit_id, chain, token_contract, from_address, block_number, block_hash, state)
    values (${deposit!.id}, ${CHAIN}, ${currency === 'ETH' ? null : usdt}, ${(await customer.getAddress()).toLowerCase()},
            ${receipt.blockNumber}, ${receipt.blockHash}, 'confirmed')`;
  return String(deposit!.id);
}

async function recordHead() {
  const head = (await provider.getBlock('latest'))!;
  await db.sql`
    insert into evm_listener_checkpoints (chain, block_number, block_hash) values (${CHAIN}, ${head.number}, ${head.hash})
    on conflict (chain) do update set block_number = excluded.block_number, block_hash = excluded.block_hash`;
}

/** A send of the keeper's as the sender stores it (signed, broadcast now), not mined yet. */
const keeperSend = (key: string, to: string, value: bigint) =>
  broadcastSend({ key, purpose: 'gas-funding', from: KEEPER.address.toLowerCase(), to, value });

/** A send of ours as the sender stores it (signed, broadcast now), not mined yet (nor known to the node). */
async function broadcastSend(s: { key: string; purpose: string; from: string; to: string; value: bigint }) {
  const [send] = await db.sql`
    insert into evm_sends (chain, key, purpose, from_address, to_address, value, nonce, gas_limit, status)
    values (${CHAIN}, ${s.key}, ${s.purpose}, ${s.from}, ${s.to}, ${s.value.toString()},
            (select count(*) from evm_sends), 21000, 'pending')
    returning id`;
  await db.sql`
    insert into evm_send_attempts (send_id, attempt, tx_hash, raw, max_fee_per_gas, max_priority_fee_per_gas, broadcast_at)
    values (${send!.id}, 1, ${`0x${s.key.length.toString(16).padStart(2, '0')}${String(send!.id).padStart(62, '0')}`}, '0x',
            1000000000, 1000000, now())`;
}

async function tokenSweep(address: string, status: string, fundingAmount: bigint) {
  const [sweep] = await db.sql`
    insert into evm_sweeps (chain, address, currency, token_contract, status, amount, gas_limit, max_fee_per_gas,
                            max_priority_fee_per_gas, funding_amount)
    values (${CHAIN}, ${address}, 'USDT', ${usdt}, ${status}, ${parseUnits('100', 6).toString()}, 60000, 1000000000,
            1000000, ${fundingAmount.toString()})
    returning id`;
  return String(sweep!.id);
}

const sweepOf = async (id: string) => (await sweepsByIds(db.sql, [id])).get(id)!;

/** What a sweeper step is given, as a tick gives it. */
const stepDeps = (): SweepDeps => ({
  ...base,
  fees: sharedFeeQuote(provider, 2_000),
  reads: batchedSweepReads(db.sql, CHAIN),
  writes: batchedSweepWrites(db.sql),
});

/** A token sweep waiting for a funding of 0.01 ETH, priced at the node's fees now. */
async function pricedTokenSweep(address: string) {
  const id = await tokenSweep(address, 'funding', parseEther('0.01'));
  const fees = await quoteFees(provider);
  await db.sql`
    update evm_sweeps set max_fee_per_gas = ${fees.maxFeePerGas.toString()},
      max_priority_fee_per_gas = ${fees.maxPriorityFeePerGas.toString()} where id = ${id}`;
  return id;
}

/** The sweep's own transaction as the sender stored it: its hash and when it was broadcast. */
const transferOf = (id: string) => db.sql`
  select a.tx_hash, a.broadcast_at from evm_sends s join evm_send_attempts a on a.send_id = s.id
  where s.key = ${`sweep:${CHAIN}:${id}:transfer`}`;

describe("a wallet's sweeps, one in flight at a time", () => {
  const erc20 = () =>
    new Contract(
      usdt,
      ['function transfer(address to, uint256 value) returns (bool)', 'function balanceOf(address) view returns (uint256)'],
      customer,
    );
  const transferKey = (id: string) => `sweep:${CHAIN}:${id}:transfer`;
  const sweepIn = async (address: string, currency: string) => {
    const [row] = await db.sql`select id from evm_sweeps where address = ${address} and currency = ${currency}`;
    return sweepOf(String(row!.id));
  };
  /** What the listener records: the chain's head, and our sends mined by then (as the node's receipts say). */
  async function recordMined(...keys: string[]) {
    await recordHead();
    for (const key of keys) await evm.sender.stateOf(key);
  }

  /** The keeper's early funding of the wallet's gas (its ETH sent by the customer here), recorded as mined. */
  async function minedEarlyFunding(address: string, depositId: string, value: bigint) {
    const key = earlyFundingKey(CHAIN, address, depositId);
    const paid = (await (await customer.sendTransaction({ to: address, value })).wait())!;
    await keeperSend(key, address, value);
    await db.sql`
      update evm_sends set status = 'confirmed', mined_hash = ${paid.hash}, block_number = ${paid.blockNumber},
        block_hash = ${paid.blockHash}, succeeded = true, gas_used = ${paid.gasUsed.toString()},
        effective_gas_price = ${paid.gasPrice.toString()}
      where key = ${key}`;
    return key;
  }

  /**
   * A sweep as a tick could leave it before the lanes waited for the wallet's sweep in flight: priced, its transaction
   * stored at the wallet's next nonce, and either sent (broadcast 20 s ago, then dropped by the node) or still sending
   * (its broadcast refused: the wallet cannot pay its gas).
   */
  async function storedSweep(
    wallet: { address: string; index: number },
    s: { currency: string; tokenContract: string | null; amount: bigint; depositIds: string[]; status: 'sent' | 'sending' },
  ) {
    const fees = await quoteFees(provider);
    const gasLimit = s.tokenContract ? 100_000n : 21_000n;
    const [row] = await db.sql`
      insert into evm_sweeps (chain, address, currency, token_contract, status, amount, deposit_ids, gas_limit,
                              max_fee_per_gas, max_priority_fee_per_gas, funding_amount)
      values (${CHAIN}, ${wallet.address}, ${s.currency}, ${s.tokenContract}, 'sending', ${s.amount.toString()},
              ${db.sql.array(s.depositIds)}::bigint[], ${gasLimit.toString()}, ${fees.maxFeePerGas.toString()},
              ${fees.maxPriorityFeePerGas.toString()}, 0)
      returning id`;
    const id = String(row!.id);
    const call = s.tokenContract
      ? { to: s.tokenContract, value: 0n, data: encodeTransfer(evm.coldWallet, s.amount) }
      : { to: evm.coldWallet, value: s.amount };
    const send = await evm.sender.hold(await signers.depositSigner(wallet.index), {
      key: transferKey(id),
      purpose: 'sweep',
      ...call,
      gasLimit,
      fees,
    });
    if (s.status === 'sent') {
      await db.sql`update evm_send_attempts set broadcast_at = now() - interval '20 seconds' where send_id = ${send.id}`;
      await db.sql`update evm_sweeps set status = 'sent', sweep_send_id = ${send.id} where id = ${id}`;
    }
    return { id, txHash: send.attempts[0]!.txHash };
  }

  it(
    "prices a token sweep credited just after the wallet's native sweep was sent only once that one is mined, " +
      'on the early funding the native sweep left in the wallet',
    async () => {
      const wallet = await depositWallet();
      const ethTx = (await (await customer.sendTransaction({ to: wallet.address, value: parseEther('2') })).wait())!;
      const usdtTx = await (await erc20().getFunction('transfer')(wallet.address, parseUnits('20', 6))).wait();
      // both deposits held above the user's maximums; the keeper funded the token deposit's gas while it confirmed
      const heldUsdt = await credited(wallet, 'USDT', parseUnits('20', 6), usdtTx.hash, 'pending');
      const early = await minedEarlyFunding(wallet.address, heldUsdt, parseEther('0.01'));
      await credited(wallet, 'ETH', parseEther('2'), ethTx.hash); // an operator credits the ETH deposit
      await provider.send('evm_setAutomine', [false]); // the test mines: the native sweep stays in flight meanwhile
      try {
        expect(await sweepTick(base, { chain: CHAIN, wallets: [wallet.address] })).toMatchObject({ sent: 1 });
        const native = await sweepIn(wallet.address, 'ETH');
        // the wallet's ETH less the most its fee can be, and less the early funding: that is the token sweep's gas
        expect(native.amount).toBe(parseEther('2') - 21_000n * native.maxFeePerGas!);

        // then the USDT deposit, a moment later: its sweep is planned, and not priced while the native sweep is in flight
        await db.sql`update deposits set status = 'credited', credited_at = now() where id = ${heldUsdt}`;
        expect(await sweepTick(base, { chain: CHAIN, wallets: [wallet.address] })).toMatchObject({ sent: 0, problems: [] });
        const token = await sweepIn(wallet.address, 'USDT');
        expect(token.status).toBe('planned');

        // the native sweep mined: booked, then the token sweep priced from what it left and sent on the early funding
        await provider.send('evm_mine', []);
        await recordMined(transferKey(native.id));
        expect(await sweepTick(base, { chain: CHAIN, wallets: [] })).toMatchObject({ recorded: 1, sent: 1, problems: [] });
        expect(await sweepOf(token.id)).toMatchObject({ status: 'sent', earlyFundingKey: early, fundingAmount: 0n });
        await provider.send('evm_mine', []);
        await recordMined(transferKey(token.id));
        expect(await sweepTick(base, { chain: CHAIN, wallets: [] })).toMatchObject({ recorded: 1, problems: [] });
      } finally {
        await provider.send('evm_setAutomine', [true]);
      }
      expect(await sweepIn(wallet.address, 'ETH')).toMatchObject({ status: 'confirmed' });
      expect(await sweepIn(wallet.address, 'USDT')).toMatchObject({ status: 'confirmed', fundingSendId: null });
      expect(await erc20().getFunction('balanceOf')(wallet.address)).toBe(0n);
      expect(await provider.getBalance(wallet.address)).toBeGreaterThan(0n); // what the token sweep's gas left
    },
  );

  it("books the wallet's mined sweep past a token sweep that can no longer pay its gas, which the keeper funds again", async () => {
    const wallet = await depositWallet();
    const ethTx = (await (await customer.sendTransaction({ to: wallet.address, value: parseEther('1') })).wait())!;
    await credited(wallet, 'ETH', parseEther('1'), ethTx.hash);
    expect(await sweepTick(base, { chain: CHAIN, wallets: [wallet.address] })).toMatchObject({ sent: 1 });
    const native = await sweepIn(wallet.address, 'ETH'); // mined at once (anvil mines each transaction)
    await recordMined(transferKey(native.id));
    // the token sweep priced against the ETH the native sweep took: what that left cannot pay its gas
    const usdtTx = await (await erc20().getFunction('transfer')(wallet.address, parseUnits('20', 6))).wait();
    const depositId = await credited(wallet, 'USDT', parseUnits('20', 6), usdtTx.hash);
    const dropped = await storedSweep(wallet, {
      currency: 'USDT',
      tokenContract: usdt,
      amount: parseUnits('20', 6),
      depositIds: [depositId],
      status: 'sent',
    });

    let wakes = 0;
    const workflow = { signalWithStart: async () => void wakes++ };
    const counting: SweeperDeps = { ...base, temporal: { ...base.temporal, client: { workflow } as unknown as Client } };
    expect(await sweepTick(counting, { chain: CHAIN, wallets: [] })).toMatchObject({
      recorded: 1,
      awaitingGas: 1,
      problems: [],
    });
    expect(await sweepOf(native.id)).toMatchObject({ status: 'confirmed' });
    const short = await sweepOf(dropped.id);
    expect(short.status).toBe('funding');
    expect(short.fundingAmount).toBeGreaterThan(0n);
    expect(wakes).toBeGreaterThan(0);

    // the keeper funds it; once that is mined, its stored transaction goes out as it is
    const keeper = Wallet.createRandom();
    await setBalance(provider, keeper.address, parseEther('1'));
    const { gasKeeperTick } = createGasKeeperActivities({
      ...base,
      evm: { ...evm, gasKeeper: signers.keySigner(keeper.privateKey) },
    });
    const fundingKey = `sweep:${CHAIN}:${dropped.id}:funding`;
    const funded: GasKeeperReport = await new MockActivityEnvironment().run(gasKeeperTick, { chain: CHAIN, queue: [] });
    expect(funded.sent).toEqual([fundingKey]);
    expect(funded.currency).toBe('ETH'); // its low-balance alert shows wei as ETH
    await recordMined(fundingKey);
    expect(await sweepTick(base, { chain: CHAIN, wallets: [] })).toMatchObject({ sent: 1, problems: [] });
    expect(await transferOf(dropped.id)).toEqual([{ txHash: dropped.txHash, broadcastAt: expect.any(Date) }]);
    expect((await provider.getTransactionReceipt(dropped.txHash))?.status).toBe(1);
    await recordMined(transferKey(dropped.id));
    expect(await sweepTick(base, { chain: CHAIN, wallets: [] })).toMatchObject({ recorded: 1, problems: [] });
    expect(await sweepOf(dropped.id)).toMatchObject({ status: 'confirmed', fundingAmount: short.fundingAmount });
    expect(await db.sql`select 1 from ledger_transfers where key = ${fundingKey}`).toHaveLength(1);
    expect(await erc20().getFunction('balanceOf')(wallet.address)).toBe(0n);
  });

  it('raises an alert and fails a sweep the keeper cannot fund whose transaction its wallet can no longer pay for', async () => {
    const wallet = await depositWallet();
    // a native sweep signed, and its wallet emptied since (nothing of ours does so): the node refuses it
    const { id } = await storedSweep(wallet, {
      currency: 'ETH',
      tokenContract: null,
      amount: parseEther('1'),
      depositIds: [],
      status: 'sending',
    });

    const report = await sweepTick(base, { chain: CHAIN, wallets: [] });
    expect(report.problems).toEqual([
      expect.objectContaining({ sweepId: id, transient: false, error: expect.stringContaining('lacks') }),
    ]);
    // what the wallet lacks in ETH, not wei (the stored send moves 1 ETH, plus its gas, from an empty wallet)
    expect(
      await db.sql`select kind, severity, body from notifications where key = ${`sweep:${CHAIN}:${id}:short-of-gas`}`,
    ).toEqual([
      {
        kind: 'evm_sweep_short_of_gas',
        severity: 'critical',
        body: expect.objectContaining({ currency: 'ETH', gas_currency: 'ETH', lacking: expect.stringMatching(/^1\.\d{18}$/) }),
      },
    ]);
    await db.sql`update evm_sweeps set status = 'cancelled' where id = ${id}`; // left to no later tick
  });
});

describe('the gas keeper above its minimum balance', () => {
  it('alerts once when it cannot pay the gas a token sweep waits for, and again for a later shortfall', async () => {
    // only this test's sweeps wait for gas (the earlier tests' are done with)
    await db.sql`update evm_sweeps set status = 'cancelled' where status = 'funding'`;
    const keeper = Wallet.createRandom();
    await setBalance(provider, keeper.address, parseEther('0.005'));
    const { gasKeeperTick } = createGasKeeperActivities({
      ...base,
      evm: { ...evm, gasKeeper: signers.keySigner(keeper.privateKey) },
    });
    const tick = (): Promise<GasKeeperReport> => new MockActivityEnvironment().run(gasKeeperTick, { chain: CHAIN, queue: [] });
    const alerts = () => db.sql`select key, severity, body from notifications where kind = 'gas_keeper_short' order by id`;

    const first = await tokenSweep((await depositWallet()).address, 'funding', parseEther('0.01'));
    const report = await tick();
    expect(report).toMatchObject({
      low: false,
      sent: [],
      waiting: [expect.objectContaining({ amount: parseEther('0.01').toString() })],
    });
    await tick();
    expect(await alerts()).toEqual([
      {
        key: `gas-keeper:${CHAIN}:short:sweep:${CHAIN}:${first}:funding`,
        severity: 'critical',
        body: expect.objectContaining({
          address: keeper.address.toLowerCase(),
          sweeps: 1,
          gas_currency: 'ETH',
          owed: expect.stringMatching(/^0\.01\d{16}$/),
        }),
      },
    ]);

    // topped up, it pays; short again later, for another sweep: a new shortfall, a new alert
    await setBalance(provider, keeper.address, parseEther('1'));
    expect((await tick()).sent).toEqual([`sweep:${CHAIN}:${first}:funding`]);
    await recordHead();
    await evm.sender.stateOf(`sweep:${CHAIN}:${first}:funding`); // mined (anvil mines each transaction), as the listener records
    await db.sql`update evm_sweeps set status = 'cancelled' where id = ${first}`;
    await setBalance(provider, keeper.address, parseEther('0.005'));
    const second = await tokenSweep((await depositWallet()).address, 'funding', parseEther('0.01'));
    await tick();
    expect((await alerts()).map((a) => a.key)).toEqual([
      `gas-keeper:${CHAIN}:short:sweep:${CHAIN}:${first}:funding`,
      `gas-keeper:${CHAIN}:short:sweep:${CHAIN}:${second}:funding`,
    ]);
    await db.sql`update evm_sweeps set status = 'cancelled' where id = ${second}`;
  });

  it('alerts once for a sweep waiting for more gas than it sends at once (GAS_KEEPER_MAX_FUNDING), which it leaves unfunded', async () => {
    await db.sql`update evm_sweeps set status = 'cancelled' where status = 'funding'`;
    const keeper = Wallet.createRandom();
    await setBalance(provider, keeper.address, parseEther('10'));
    const { gasKeeperTick } = createGasKeeperActivities({
      ...base,
      evm: { ...evm, gasKeeper: signers.keySigner(keeper.privateKey) },
    });
    const tick = (): Promise<GasKeeperReport> => new MockActivityEnvironment().run(gasKeeperTick, { chain: CHAIN, queue: [] });
    // priced in a fee spike: 2 ETH of gas, where the keeper sends at most 1 ETH at once
    const sweep = await tokenSweep((await depositWallet()).address, 'funding', parseEther('2'));
    expect(await tick()).toMatchObject({ sent: [], waiting: [] });
    await tick();
    expect(await db.sql`select key, severity, body from notifications where kind = 'gas_funding_above_limit'`).toEqual([
      {
        key: `gas-keeper:${CHAIN}:above-limit:sweep:${CHAIN}:${sweep}:funding`,
        severity: 'critical',
        body: expect.objectContaining({ amount: '2.000000000000000000', limit: '1.000000000000000000', gas_currency: 'ETH' }),
      },
    ]);
    await db.sql`update evm_sweeps set status = 'cancelled' where id = ${sweep}`;
  });
});

describe('the sweeper tick', () => {
  it('sweeps a wallet credited while the tick runs in that tick', async () => {
    // the tick's one lane waits for a token sweep's funding, sent and not mined: the tick runs about 4 s
    const waiting = await depositWallet();
    const waitingSweep = await tokenSweep(waiting.address, 'funding', 1_000_000n);
    await keeperSend(`sweep:${CHAIN}:${waitingSweep}:funding`, waiting.address, 1_000_000n);
    await recordHead();

    const tick = sweepTick(base, { chain: CHAIN, wallets: [] });
    await sleep(300);
    const late = await depositWallet();
    const tx = await customer.sendTransaction({ to: late.address, value: parseEther('0.5') });
    await credited(late, 'ETH', parseEther('0.5'), (await tx.wait())!.hash);

    const report = await tick;
    expect(report).toMatchObject({ sent: 1, awaitingGas: 0 });
    const [sweep] = await db.sql`select id, status from evm_sweeps where address = ${late.address}`;
    expect(sweep?.status).toBe('sent');
    const mined = await provider.getBalance(evm.coldWallet);
    expect(mined).toBeGreaterThan(parseEther('0.49')); // the sweep was broadcast, and mined at once
    expect((await sweepOf(waitingSweep)).status).toBe('funding');
  });

  /** A credited USDT deposit whose sweep is priced, and the keeper's funding of its gas sent, not mined. */
  async function tokenSweepWithFundingSent() {
    const wallet = await depositWallet();
    const token = new Contract(usdt, ['function transfer(address to, uint256 value) returns (bool)'], customer);
    const tx = await token.getFunction('transfer')(wallet.address, parseUnits('100', 6));
    await credited(wallet, 'USDT', parseUnits('100', 6), (await tx.wait()).hash);
    const id = await pricedTokenSweep(wallet.address);
    const funding = `sweep:${CHAIN}:${id}:funding`;
    await keeperSend(funding, wallet.address, parseEther('0.01'));
    return { wallet, id, funding };
  }

  it('signs and stores a token sweep while its funding is in flight, and broadcasts that one once the funding is mined', async () => {
    const { wallet, id, funding } = await tokenSweepWithFundingSent();
    const stored = () => transferOf(id);

    const tick = sweepTick(base, { chain: CHAIN, wallets: [] });
    // its funding not mined (the node would refuse the sweep: the wallet has no gas), the sweep is stored, not broadcast
    const [held] = await eventually('the sweep stored', async () => (await stored()).length > 0 && stored(), 3_000, 100);
    expect(held!.broadcastAt).toBeNull();
    expect(await provider.getTransaction(held!.txHash as string)).toBeNull();
    expect((await sweepOf(id)).status).toBe('funding');

    // the funding mined, as the listener records it: the lane broadcasts the stored sweep
    await setBalance(provider, wallet.address, parseEther('0.01'));
    await db.sql`update evm_sends set status = 'mined', block_number = ${await provider.getBlockNumber()} where key = ${funding}`;
    expect(await tick).toMatchObject({ sent: 1 });
    expect(await stored()).toEqual([{ txHash: held!.txHash, broadcastAt: expect.any(Date) }]);
    expect((await provider.waitForTransaction(held!.txHash as string))?.status).toBe(1);
    expect(await sweepOf(id)).toMatchObject({ status: 'sent' });
    await sweepTick(base, { chain: CHAIN, wallets: [] }); // moved on again: nothing signed or sent twice
    expect(await stored()).toHaveLength(1);
    expect(await provider.getTransactionCount(wallet.address)).toBe(1);
  });

  it('broadcasts a held sweep once the node has its funding in a block, before the listener records it', async () => {
    const { wallet, id, funding } = await tokenSweepWithFundingSent();
    const tick = sweepTick(base, { chain: CHAIN, wallets: [] });
    const [held] = await eventually('the sweep held', async () => (await transferOf(id)).length > 0 && transferOf(id), 3_000, 50);
    expect(held!.broadcastAt).toBeNull();

    // the funding mined on the node (the keeper's send, as its attempt's hash says), not recorded by the listener. Its
    // hash stored before it is sent, as the keeper's sender does: the lane looks once per new head, and anvil mines
    // none after the funding's, so a hash stored after it was mined could be missed for good
    const signed = await customer.signTransaction(
      await customer.populateTransaction({ to: wallet.address, value: parseEther('0.01') }),
    );
    customer.increment();
    await db.sql`
      update evm_send_attempts set tx_hash = ${Transaction.from(signed).hash}
      where send_id = (select id from evm_sends where key = ${funding})`;
    const paid = (await (await provider.broadcastTransaction(signed)).wait())!;
    // the lane broadcasts the held sweep (marked once the node took it, and anvil mines it as it does). Polled, not
    // ethers' waitForTransaction: that looks once, then waits for a block event, and its poller's first look only notes
    // the head, so a sweep mined in between (anvil mines no block after it) was never seen
    await eventually('the held sweep broadcast', async () => (await transferOf(id))[0]!.broadcastAt ?? undefined, 3_000, 50);
    expect((await provider.getTransactionReceipt(held!.txHash as string))?.status).toBe(1);
    expect(await sweepOf(id)).toMatchObject({ status: 'funding' }); // the lane still waits for the listener's record

    await db.sql`update evm_sends set status = 'mined', block_number = ${paid.blockNumber} where key = ${funding}`;
    expect(await tick).toMatchObject({ sent: 1 });
    expect(await transferOf(id)).toEqual([{ txHash: held!.txHash, broadcastAt: expect.any(Date) }]);
    expect(await sweepOf(id)).toMatchObject({ status: 'sent' });
    expect(await provider.getTransactionCount(wallet.address)).toBe(1);
  });

  it("has a lane waiting for its sweep's own funding claim the wallet's early funding stored meanwhile", async () => {
    const wallet = await depositWallet();
    const token = new Contract(usdt, ['function transfer(address to, uint256 value) returns (bool)'], customer);
    const tx = await token.getFunction('transfer')(wallet.address, parseUnits('100', 6));
    const depositId = await credited(wallet, 'USDT', parseUnits('100', 6), (await tx.wait()).hash);
    // priced before the keeper stored its early funding: the sweep waits for a funding of its own, never sent
    const id = await tokenSweep(wallet.address, 'funding', 1_000_000_000_000n);
    const deps = stepDeps();
    const key = earlyFundingKey(CHAIN, wallet.address, depositId);

    const funded = fundingMinedBy(deps, await sweepOf(id), Date.now() + 4_000);
    await sleep(300);
    await keeperSend(key, wallet.address, parseEther('0.01'));
    await sleep(600); // the lane polls every 100 ms: it has claimed the funding, and waits for it to be mined
    expect(await sweepOf(id)).toMatchObject({ status: 'funding', earlyFundingKey: key, fundingAmount: 0n });
    await db.sql`update evm_sends set status = 'mined', block_number = ${await provider.getBlockNumber()} where key = ${key}`;

    expect(await funded).toBe(true);
    expect(await db.sql`select 1 from evm_sends where key = ${`sweep:${CHAIN}:${id}:funding`}`).toHaveLength(0);
  });
  it("reconciles a wallet's sweeps without broadcasting one held for a funding not mined, and broadcasts it once funded", async () => {
    const { wallet, id: heldId, funding } = await tokenSweepWithFundingSent();
    const deps = stepDeps();
    expect(await holdSweep(deps, heldId)).not.toBeNull();
    const [held] = await transferOf(heldId);
    // the wallet's sweep of another token, sent before (its transaction broadcast, not mined yet)
    await db.sql`
      insert into currencies (code, name, kind, scale, network, token_contract, enabled)
      values ('USDC', 'USD Coin (test)', 'crypto', 6, 'evm', ${usdt}, false)`;
    const [sent] = await db.sql`
      insert into evm_sweeps (chain, address, currency, token_contract, status, amount, gas_limit, max_fee_per_gas,
                              max_priority_fee_per_gas)
      values (${CHAIN}, ${wallet.address}, 'USDC', ${usdt}, 'sent', 1000000, 60000, 1000000000, 1000000)
      returning id`;
    const sentId = String(sent!.id);
    await broadcastSend({
      key: `sweep:${CHAIN}:${sentId}:transfer`,
      purpose: 'sweep',
      from: wallet.address,
      to: usdt,
      value: 0n,
    });

    // the sent sweep's confirmation step reconciles the wallet: the held sweep stays stored (the node would refuse it)
    expect(await sweepConfirmed(deps, sentId)).toBe('pending');
    expect(await transferOf(heldId)).toEqual([{ txHash: held!.txHash, broadcastAt: null }]);
    expect(await provider.getTransaction(held!.txHash as string)).toBeNull();

    // its funding mined, as the listener records it: the next reconcile broadcasts it, as stored, once
    await setBalance(provider, wallet.address, parseEther('0.01'));
    await db.sql`update evm_sends set status = 'mined', block_number = ${await provider.getBlockNumber()} where key = ${funding}`;
    expect(await sweepConfirmed(deps, sentId)).toBe('pending');
    expect(await transferOf(heldId)).toEqual([{ txHash: held!.txHash, broadcastAt: expect.any(Date) }]);
    // polled, as above: ethers' waitForTransaction missed a sweep anvil mined between its first look and its poller's
    const mined = async () => (await provider.getTransactionReceipt(held!.txHash as string)) ?? undefined;
    expect((await eventually('the held sweep mined', mined, 10_000, 50)).status).toBe(1);
    expect(await sweepConfirmed(deps, sentId)).toBe('pending');
    expect(await transferOf(heldId)).toHaveLength(1);
    expect(await provider.getTransactionCount(wallet.address)).toBe(1);
    // left to no later tick
    await db.sql`update evm_sweeps set status = 'cancelled' where id in (${heldId}, ${sentId})`;
  });
});

describe('planning', () => {
  it("opens the sweeps of a disabled currency's credited deposits, ether's and a token's alike", async () => {
    const [etherWallet, tokenWallet] = [await depositWallet(), await depositWallet()];
    const ether = await customer.sendTransaction({ to: etherWallet.address, value: parseEther('0.5') });
    await credited(etherWallet, 'ETH', parseEther('0.5'), (await ether.wait())!.hash);
    const token = new Contract(usdt, ['function transfer(address to, uint256 value) returns (bool)'], customer);
    const transfer = await token.getFunction('transfer')(tokenWallet.address, parseUnits('100', 6));
    await credited(tokenWallet, 'USDT', parseUnits('100', 6), (await transfer.wait()).hash);
    await db.sql`update currencies set enabled = false where code in ('ETH', 'USDT')`;
    try {
      const deps = { ...stepDeps(), currencies: new CurrencyCatalog(db.sql) }; // not the one that read them enabled
      const planned = async (address: string) => (await planSweeps(deps, { chain: CHAIN, address })).map((w) => w.currency);
      expect(await planned(etherWallet.address)).toEqual(['ETH']);
      expect(await planned(tokenWallet.address)).toEqual(['USDT']);
    } finally {
      await db.sql`update currencies set enabled = true where code in ('ETH', 'USDT')`;
    }
  });
});
