/** A token sweep cancelled after its gas funding: reconciliation's booking books the funding and its gas, once. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookStrandedGasFunding } from '../../services/reconciliation/booking.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const balance = async (name: string) => {
  const [row] = await db.sql`
    select (debits_posted - credits_posted)::numeric(78, 0) as net from ledger_accounts where name = ${name} and currency = 'ETH'`;
  return (row?.net as bigint | undefined) ?? 0n;
};

describe('bookStrandedGasFunding', () => {
  it("books a cancelled sweep's confirmed funding into hot custody and its gas as a network fee, once", async () => {
    const chain = 'evm-7';
    const address = '0x1111111111111111111111111111111111111111';
    const [cancelled] = await db.sql`
      insert into evm_sweeps (chain, address, currency, status) values (${chain}, ${address}, 'USDT', 'cancelled') returning id`;
    const [live] = await db.sql`
      insert into evm_sweeps (chain, address, currency, status) values (${chain}, ${address}, 'USDT', 'funding') returning id`;
    for (const [sweep, hash] of [
      [cancelled!.id, '0xaa'],
      [live!.id, '0xbb'],
    ] as const)
      await db.sql`
        insert into evm_sends (chain, key, purpose, from_address, to_address, value, nonce, gas_limit, status, mined_hash,
                               succeeded, gas_used, effective_gas_price)
        values (${chain}, ${`sweep:${chain}:${sweep}:funding`}, 'gas-funding', '0x2222222222222222222222222222222222222222',
                ${address}, '3000000000000000', ${Number(sweep)}, '21000', 'confirmed', ${hash}, true, '21000', '1000000000')`;

    expect(await bookStrandedGasFunding(db.sql, chain, 'ETH')).toBe(1);
    expect(await bookStrandedGasFunding(db.sql, chain, 'ETH')).toBe(0);
    const gas = 21_000n * 1_000_000_000n;
    expect(await balance(`custody:hot:${chain}`)).toBe(3_000_000_000_000_000n);
    expect(await balance(`fees:network:${chain}`)).toBe(gas);
    expect(await balance(`custody:gas-keeper:${chain}`)).toBe(-(3_000_000_000_000_000n + gas));
    // the sweep still going books its funding itself, when it is recorded
    const keys = await db.sql`select key from ledger_transfers order by key`;
    expect(keys.map((k) => k.key)).toEqual([
      `sweep:${chain}:${cancelled!.id}:funding`,
      `sweep:${chain}:${cancelled!.id}:funding-gas`,
    ]);
  });
});
