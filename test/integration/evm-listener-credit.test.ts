/**
 * The EVM listener credits a deposit in the transaction that records its confirming block: exactly once, never
 * before its confirmations, never from a replaced block; its workflow then hears of the final state (the outbox).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { depositById } from '../../services/deposits/store.js';
import {
  observationsToSignal,
  recordScannedRange,
  type BlockHeader,
  type ObservedDeposit,
} from '../../services/deposits/evm-observations.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const CHAIN = 'evm-31337';
const SETTINGS = { confirmations: 2, keepBlocks: 20 };
const ADDRESS = '0x00000000000000000000000000000000000000d1';

let db: TestDatabase;
let userId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  userId = (await insertUser(db.sql, { email: 'listener-credit@example.com', passwordHash: 'x', role: 'user' }))!.id;
});
afterAll(() => db.drop());

const hash = (n: number, fork = 0) => `0x${fork.toString(16).padStart(2, '0')}${n.toString(16).padStart(62, '0')}`;
const block = (n: number, fork = 0): BlockHeader => ({ number: BigInt(n), hash: hash(n, fork), parentHash: hash(n - 1, fork) });
const deposit = (tx: string, at: BlockHeader, amount = 10n ** 18n): ObservedDeposit => ({
  userId,
  invoiceId: null,
  currency: 'ETH',
  amount,
  txHash: tx,
  eventIndex: 0,
  address: ADDRESS,
  tokenContract: null,
  from: '0x00000000000000000000000000000000000000f0',
  blockNumber: at.number,
  blockHash: at.hash,
});
const record = (blocks: BlockHeader[], deposits: ObservedDeposit[] = []) =>
  recordScannedRange(db.sql, CHAIN, { blocks, deposits, ownInclusions: [], custodyInflows: [] }, SETTINGS);
const ethBalance = async () => balanceView(await balanceOf(db.sql, userAccountName(userId), 'ETH')).posted;
const creditsOf = async (txHash: string) =>
  (await db.sql`select count(*)::int as n from ledger_transfers where key = ${`deposit:${CHAIN}:${txHash}:0:credit`}`)[0]!.n;

describe('the EVM listener credits confirmed deposits as it records them', () => {
  it('credits a burst in the confirming block’s transaction, each once, and its workflows hear of it after', async () => {
    const b1 = block(1);
    const burst = ['0xa1', '0xa2', '0xa3'].map((tx) => deposit(tx, b1));
    const seen = await record([b1], burst);
    expect(seen).toMatchObject({ newDeposits: 3, creditedDepositIds: [] });
    expect(await ethBalance()).toBe(0n); // one confirmation of two: not yet

    const confirming = await record([block(2)]);
    expect(confirming.creditedDepositIds).toHaveLength(3);
    for (const id of confirming.creditedDepositIds) expect((await depositById(db.sql, id))!.status).toBe('credited');
    expect(await ethBalance()).toBe(3n * 10n ** 18n);
    // the outbox wakes the sweeper and tells whatever still needs a workflow; the notices were stored with the credit
    const toSignal = await observationsToSignal(db.sql, CHAIN);
    expect(
      toSignal
        .filter((o) => o.state === 'confirmed')
        .map((o) => o.depositId)
        .sort(),
    ).toEqual([...confirming.creditedDepositIds].sort());
    // credited by the listener, and none of these users converts: their workflows have nothing left to do
    expect(toSignal.every((o) => o.depositStatus === 'credited' && !o.converts)).toBe(true);
    const [notices] = await db.sql`select count(*)::int as n from notifications where kind = 'deposit_credited'`;
    expect(notices!.n).toBe(3);

    // the same blocks recorded again (a restarted listener rescans the reorg depth) credit nothing more
    const again = await record([b1, block(2)], burst);
    expect(again.creditedDepositIds).toEqual([]);
    for (const d of burst) expect(await creditsOf(d.txHash)).toBe(1);
    expect(await ethBalance()).toBe(3n * 10n ** 18n);
  });

  it('never credits a deposit whose block was replaced before its confirmations', async () => {
    const before = await ethBalance();
    const b3 = block(3);
    const reorged = deposit('0xb1', b3);
    await record([b3], [reorged]);
    // block 3 replaced by a fork's block 3 without the deposit, recorded with the block that would have confirmed it
    const outcome = await record([
      { ...block(3, 1), parentHash: hash(2) },
      { ...block(4, 1), parentHash: hash(3, 1) },
    ]);
    expect(outcome.droppedDepositIds).toHaveLength(1);
    expect(outcome.creditedDepositIds).toEqual([]);
    expect((await depositById(db.sql, outcome.droppedDepositIds[0]!))!.status).toBe('dropped');
    expect(await creditsOf('0xb1')).toBe(0);
    expect(await ethBalance()).toBe(before);
  });
});
