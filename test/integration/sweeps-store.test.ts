/**
 * The sweeps store's statements for many sweeps at once (a sweeper's tick opens and changes hundreds together): each
 * sweep gets exactly its own change, an open sweep is found rather than opened twice, and a batch that names one
 * sweep twice is refused whole (the batch queue then applies its changes one at a time, in order).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSweeps, updateSweep, updateSweeps } from '../../services/collection/sweeps-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const chain = 'evm-31337';
const token = '0x00000000000000000000000000000000000000aa';
const wallet = (i: number) => `0x${i.toString(16).padStart(40, '0')}`;

describe('sweeps store, many at once', () => {
  it('opens many sweeps in one go, and finds those already open instead of opening them again', async () => {
    const first = await openSweeps(db.sql, [
      { chain, address: wallet(1), currency: 'USDT', tokenContract: token, depositIds: ['11', '12'], amount: 5_000_000n },
      { chain, address: wallet(2), currency: 'ETH', tokenContract: null, depositIds: [], amount: null },
    ]);
    expect(first.map((s) => [s.address, s.currency, s.status, s.depositIds, s.amount])).toEqual([
      [wallet(1), 'USDT', 'planned', ['11', '12'], 5_000_000n],
      [wallet(2), 'ETH', 'planned', [], null],
    ]);
    const again = await openSweeps(db.sql, [
      { chain, address: wallet(2), currency: 'ETH', tokenContract: null, depositIds: [], amount: null },
      { chain, address: wallet(1), currency: 'USDT', tokenContract: token, depositIds: ['13'], amount: 1n },
      { chain, address: wallet(3), currency: 'USDT', tokenContract: token, depositIds: ['14'], amount: 7n },
    ]);
    expect(again.map((s) => s.id).slice(0, 2)).toEqual([first[1]!.id, first[0]!.id]);
    expect(again[1]).toMatchObject({ depositIds: ['11', '12'], amount: 5_000_000n });
    expect(again[2]).toMatchObject({ address: wallet(3), status: 'planned', amount: 7n });
  });

  it('changes each sweep by its own changes only, in one statement, and marks finished ones', async () => {
    const [a, b, c] = await openSweeps(
      db.sql,
      [4, 5, 6].map((i) => ({
        chain,
        address: wallet(i),
        currency: 'USDT',
        tokenContract: token,
        depositIds: [`${i}`],
        amount: 10n,
      })),
    );
    const changed = await updateSweeps(db.sql, [
      {
        id: a!.id,
        changes: { status: 'funding', gasLimit: 60_000n, maxFeePerGas: 3n, maxPriorityFeePerGas: 1n, fundingAmount: 9n },
      },
      { id: b!.id, changes: { status: 'cancelled' } },
      { id: c!.id, changes: { depositIds: ['6', '7'], amount: 20n } },
    ]);
    expect(changed.get(a!.id)).toMatchObject({
      status: 'funding',
      gasLimit: 60_000n,
      fundingAmount: 9n,
      amount: 10n,
      finishedAt: null,
    });
    expect(changed.get(b!.id)).toMatchObject({ status: 'cancelled', gasLimit: null });
    expect(changed.get(b!.id)!.finishedAt).toBeInstanceOf(Date);
    expect(changed.get(c!.id)).toMatchObject({ status: 'planned', depositIds: ['6', '7'], amount: 20n });
    expect(await updateSweep(db.sql, a!.id, { status: 'sending' })).toMatchObject({ status: 'sending', fundingAmount: 9n });
  });

  it('refuses a batch that changes one sweep twice, so that its changes are applied one after the other', async () => {
    const [a] = await openSweeps(db.sql, [
      { chain, address: wallet(8), currency: 'USDT', tokenContract: token, depositIds: ['8'], amount: 1n },
    ]);
    await expect(
      updateSweeps(db.sql, [
        { id: a!.id, changes: { amount: 2n } },
        { id: a!.id, changes: { amount: 3n } },
      ]),
    ).rejects.toThrow(/twice/);
    expect((await updateSweep(db.sql, a!.id, {})).amount).toBe(1n);
  });
});
