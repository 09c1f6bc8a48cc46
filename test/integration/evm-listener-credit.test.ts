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
import { insertSends, sendsToSignal, type Inclusion } from '../../chains/evm/sends-store.js';
import { markVersionsSignalled } from '../../platform/db/versioned-outbox.js';
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
  eventKey: '0',
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
    // the round marks what its workflows heard, each up to its version; an older round never undoes it
    const heard = toSignal.map((o) => ({ id: o.depositId, version: o.version }));
    await markVersionsSignalled(db.sql, 'evm_deposit_observations', heard);
    await markVersionsSignalled(
      db.sql,
      'evm_deposit_observations',
      heard.map((h) => ({ ...h, version: 0 })),
    );
    expect(await observationsToSignal(db.sql, CHAIN)).toEqual([]);

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

  it('records a range’s deposits and our mined sends in a few statements, as one by one did', async () => {
    const [b10, b11] = [block(10), block(11)];
    const dropped = deposit('0xc0', b10);
    await record([b10], [dropped]);
    const fork = { ...block(10, 2), parentHash: hash(9) };
    expect((await record([fork])).droppedDepositIds).toHaveLength(1);

    // our sends: a funding and a sweep waiting to be mined, and a sweep the listener had confirmed already
    const send = (key: string, purpose: string, nonce: bigint) => ({
      chain: CHAIN,
      key,
      purpose,
      from: '0x00000000000000000000000000000000000000e1',
      to: ADDRESS,
      value: 1n,
      data: '0x',
      nonce,
      gasLimit: 21_000n,
      notify: [],
    });
    const sends = await db.sql.begin((tx) =>
      insertSends(tx, [
        send('range:funding', 'gas-funding', 1n),
        send('range:sweep', 'sweep', 2n),
        send('range:done', 'sweep', 3n),
      ]),
    );
    await db.sql`update evm_sends set status = 'confirmed' where id = ${sends.get('range:done')!.id}`;
    const versions = async () =>
      new Map(
        (await db.sql`select key, status, version, block_number, gas_used from evm_sends where key like 'range:%'`).map((r) => [
          r.key as string,
          { status: r.status, version: r.version, block: String(r.blockNumber), gasUsed: String(r.gasUsed) },
        ]),
      );
    const before = await versions();
    const inclusion = (n: string): Inclusion => ({
      hash: `0x${n.padStart(64, '0')}`,
      blockNumber: 11n,
      blockHash: b11.hash,
      succeeded: true,
      gasUsed: 21_000n,
      effectiveGasPrice: 7n,
    });

    // block 11: the dropped deposit mined again, three new ones, a rescan of one of them, and our three sends
    const fresh = ['0xc1', '0xc2', '0xc3'].map((tx) => deposit(tx, b11));
    const outcome = await recordScannedRange(
      db.sql,
      CHAIN,
      {
        blocks: [{ ...b11, parentHash: fork.hash }],
        deposits: [{ ...dropped, blockNumber: 11n, blockHash: b11.hash }, ...fresh, fresh[0]!],
        ownInclusions: ['range:funding', 'range:sweep', 'range:done'].map((key, i) => ({
          sendId: sends.get(key)!.id,
          inclusion: inclusion(String(i + 1)),
        })),
        custodyInflows: [],
      },
      SETTINGS,
    );
    expect(outcome.newDeposits).toBe(3);
    const revived = await db.sql`
      select d.status, o.state, o.block_number from deposits d join evm_deposit_observations o on o.deposit_id = d.id
      where d.tx_hash = '0xc0'`;
    expect(revived).toEqual([{ status: 'pending', state: 'seen', blockNumber: '11' }]);
    const stored = await db.sql`select tx_hash from deposits where tx_hash in ('0xc1', '0xc2', '0xc3') order by id`;
    expect(stored.map((r) => r.txHash)).toEqual(['0xc1', '0xc2', '0xc3']);

    const after = await versions();
    // a funding's waiting sweep hears of it once mined (its version moves); a sweep's only once confirmed
    expect(after.get('range:funding')).toEqual({
      status: 'mined',
      version: before.get('range:funding')!.version + 1,
      block: '11',
      gasUsed: '21000',
    });
    expect(after.get('range:sweep')).toEqual({
      status: 'mined',
      version: before.get('range:sweep')!.version,
      block: '11',
      gasUsed: '21000',
    });
    expect(after.get('range:done')).toEqual(before.get('range:done'));
    // the outbox tells the funding's sweeper, and marks the round's sends in one statement, each up to what was heard
    const toSignal = (await sendsToSignal(db.sql, CHAIN)).filter((x) => x.key.startsWith('range:'));
    expect(toSignal.map((x) => x.key)).toEqual(['range:funding']); // a sweep is told once confirmed
    await markVersionsSignalled(db.sql, 'evm_sends', toSignal);
    await markVersionsSignalled(
      db.sql,
      'evm_sends',
      toSignal.map((x) => ({ ...x, version: 0 })),
    ); // an older round never undoes it
    expect((await sendsToSignal(db.sql, CHAIN)).filter((x) => x.key.startsWith('range:'))).toEqual([]);

    // the revived deposit and the new ones are credited once, by the block that confirms them
    const confirming = await record([block(12)]);
    expect(confirming.creditedDepositIds).toHaveLength(4);
    for (const tx of ['0xc0', '0xc1', '0xc2', '0xc3']) expect(await creditsOf(tx)).toBe(1);
  });

  it('drops what was recorded above a replaced block at once, even where the new chain is not yet as high', async () => {
    const [b20, b21, b22] = [block(20), block(21), block(22)];
    const above = deposit('0xd1', b22);
    const sends = await db.sql.begin((tx) =>
      insertSends(tx, [
        {
          chain: CHAIN,
          key: 'above:sweep',
          purpose: 'sweep',
          from: ADDRESS,
          to: '0x00000000000000000000000000000000000000e2',
          value: 1n,
          data: '0x',
          nonce: 1n,
          gasLimit: 21_000n,
          notify: [],
        },
      ]),
    );
    const mined: Inclusion = {
      hash: `0x${'d2'.padStart(64, '0')}`,
      blockNumber: 22n,
      blockHash: b22.hash,
      succeeded: true,
      gasUsed: 21_000n,
      effectiveGasPrice: 7n,
    };
    await recordScannedRange(
      db.sql,
      CHAIN,
      {
        blocks: [b20, b21, b22],
        deposits: [above],
        ownInclusions: [{ sendId: sends.get('above:sweep')!.id, inclusion: mined }],
        custodyInflows: [],
      },
      SETTINGS,
    );
    // the new chain replaces block 21 and ends there for now: block 22, its deposit and our send's inclusion are gone
    const outcome = await record([{ ...block(21, 3), parentHash: hash(20) }]);
    expect(outcome.replacedBlocks).toEqual([21n, 22n]);
    expect(outcome.droppedDepositIds).toHaveLength(1);
    const [pending] = await db.sql`
      select count(*)::int as n from evm_deposit_observations o join deposits d on d.id = o.deposit_id
      where o.chain = ${CHAIN} and (o.state = 'seen' or d.status = 'pending')`;
    expect(pending!.n).toBe(0);
    expect((await depositById(db.sql, outcome.droppedDepositIds[0]!))!.status).toBe('dropped');
    const [send] = await db.sql`select status, block_number from evm_sends where key = 'above:sweep'`;
    expect(send).toMatchObject({ status: 'pending', blockNumber: null });

    // mined again on the new chain: pending again, and credited at its confirmations
    const b22Fork = { ...block(22, 3), parentHash: hash(21, 3) };
    await record([b22Fork], [{ ...above, blockHash: b22Fork.hash }]);
    expect((await depositById(db.sql, outcome.droppedDepositIds[0]!))!.status).toBe('pending');
    const confirmed = await record([{ ...block(23, 3), parentHash: b22Fork.hash }]);
    expect(confirmed.creditedDepositIds).toEqual(outcome.droppedDepositIds);
    expect(await creditsOf('0xd1')).toBe(1);
  });
});
