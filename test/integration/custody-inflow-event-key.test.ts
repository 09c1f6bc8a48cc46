/**
 * Migration 1010 on top-ups recorded before it (keyed by log index): each gets the key the listener now gives it, a
 * top-up booked under its old ledger key is not booked again when the listener sees it under the new one, and one not
 * booked yet is booked once, under the new key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../platform/db/migrate.js';
import { bookCustodyTopUps, commit, topUpKey } from '../../services/reconciliation/booking.js';
import { recordCustodyInflows, registerCustodyAddresses } from '../../services/reconciliation/store.js';
import { hotCustodyAccount } from '../../domain/deposits/credit.js';
import { gasKeeperAccount } from '../../domain/collection/rules.js';
import { externalAccount } from '../../domain/reconciliation/drift.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const CHAIN = 'evm-5';
const TOKEN = '0x00000000000000000000000000000000000000Aa'; // as configured: the key holds it lowercase
const token = TOKEN.toLowerCase();
const hot = '0x1111111111111111111111111111111111111111';
const keeper = '0x2222222222222222222222222222222222222222';
const [etherTx, tokenTx, reorgedTx] = ['0xe1', '0xa1', '0xb1'];

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
  // the table as it was before 1010, which is applied again below
  await db.sql`alter table custody_inflows drop column event_key`;
  await db.sql`alter table custody_inflows add primary key (chain, tx_hash, event_index)`;
  await db.sql`delete from schema_migrations where name = '1010_custody_inflow_event_key.sql'`;
  await db.sql`update currencies set token_contract = ${TOKEN} where code = 'USDT'`;
  await registerCustodyAddresses(db.sql, [
    { chain: CHAIN, address: hot, account: hotCustodyAccount(CHAIN), label: 'hot' },
    { chain: CHAIN, address: keeper, account: gasKeeperAccount(CHAIN), label: 'gas keeper' },
  ]);
  await db.sql`insert into evm_listener_checkpoints (chain, block_number, block_hash) values (${CHAIN}, 120, '0xh120')`;
  // block 100 was replaced (the listener recorded another hash there since): its booked top-up stayed
  await db.sql`insert into evm_blocks (chain, number, hash, parent_hash) values (${CHAIN}, 100, '0xnew100', '0xh99')`;
});
afterAll(() => db?.drop());

const inflow = (txHash: string, eventIndex: number, currency: string, address: string, amount: bigint, block = 101) => ({
  chain: CHAIN,
  tx_hash: txHash,
  event_index: eventIndex,
  address,
  currency,
  amount: amount.toString(),
  from_address: '0x9999999999999999999999999999999999999999',
  block_number: block,
  block_hash: block === 100 ? '0xold100' : `0xh${block}`,
});
const topUps = () => db.sql`select key, amount from ledger_transfers where key like 'custody-inflow:%' order by key collate "C"`;
/** Books a recorded top-up as the code before 1010 did: under its log index. */
const bookedBefore = (txHash: string, eventIndex: number, currency: string, address: string, amount: bigint) =>
  commit(
    db.sql,
    [
      {
        transfers: [
          {
            kind: 'posted',
            key: topUpKey(CHAIN, txHash, eventIndex),
            debit: address === hot ? hotCustodyAccount(CHAIN) : gasKeeperAccount(CHAIN),
            credit: externalAccount(CHAIN),
            currency,
            amount,
          },
        ],
      },
    ],
    (tx) => tx`update custody_inflows set booked = true where tx_hash = ${txHash} and event_index = ${eventIndex}`,
  );

describe('migration 1010: custody top-ups keyed the same in any block', () => {
  it('keys recorded top-ups as the listener does, and books none twice', async () => {
    await db.sql`insert into custody_inflows ${db.sql([
      inflow(etherTx, 0, 'ETH', keeper, 5n),
      inflow(tokenTx, 7, 'USDT', hot, 70n),
      inflow(tokenTx, 8, 'USDT', keeper, 80n),
      inflow(tokenTx, 9, 'USDT', hot, 90n),
      // mined again by a deep reorg before the migration: booked in the replaced block, seen again in the new one
      inflow(reorgedTx, 3, 'USDT', hot, 30n, 100),
      inflow(reorgedTx, 5, 'USDT', hot, 30n),
    ])}`;
    await bookedBefore(tokenTx, 7, 'USDT', hot, 70n);
    await bookedBefore(reorgedTx, 3, 'USDT', hot, 30n);

    expect(await migrate(db.sql)).toEqual(['1010_custody_inflow_event_key.sql']);
    const rows = await db.sql`select tx_hash, event_index, event_key, booked from custody_inflows order by tx_hash, event_index`;
    expect(rows.map((r) => [r.txHash, r.eventIndex, r.eventKey, r.booked])).toEqual([
      [tokenTx, 7, `${token}:${hot}:0`, true],
      [tokenTx, 8, `${token}:${keeper}:0`, false],
      [tokenTx, 9, `${token}:${hot}:1`, false],
      [reorgedTx, 3, `${token}:${hot}:1`, true], // ranked after the standing sighting: the listener sees that one again
      [reorgedTx, 5, `${token}:${hot}:0`, true], // its twin in the replaced block was booked
      [etherTx, 0, '0', false],
    ]);

    // a deep reorg mines the booked transfer again at another index: the listener finds the row by its key
    await db.sql.begin((tx) =>
      recordCustodyInflows(tx, CHAIN, [
        {
          txHash: tokenTx,
          eventIndex: 12,
          eventKey: `${token}:${hot}:0`,
          address: hot,
          currency: 'USDT',
          amount: 70n,
          from: '0x9999999999999999999999999999999999999999',
          blockNumber: 110n,
          blockHash: '0xh110',
        },
      ]),
    );
    expect(await bookCustodyTopUps(db.sql, CHAIN, 2)).toBe(3);
    expect(await bookCustodyTopUps(db.sql, CHAIN, 2)).toBe(0);
    expect(await topUps()).toEqual([
      { key: `custody-inflow:${CHAIN}:${tokenTx}:${token}:${hot}:1`, amount: 90n },
      { key: `custody-inflow:${CHAIN}:${tokenTx}:${token}:${keeper}:0`, amount: 80n },
      { key: `custody-inflow:${CHAIN}:${tokenTx}:7`, amount: 70n },
      { key: `custody-inflow:${CHAIN}:${reorgedTx}:3`, amount: 30n },
      { key: `custody-inflow:${CHAIN}:${etherTx}:0`, amount: 5n },
    ]);
  });
});
