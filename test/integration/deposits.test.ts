import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditDeposit, creditDeposits, dropDeposit, recordDeposit } from '../../services/deposits/store.js';
import { DEPOSIT_SETTINGS } from '../../domain/deposits/settings.js';
import { saveLayer } from '../../services/settings/store.js';
import { convertCreditedDeposit, setAutoConversion, type ConversionDeps } from '../../services/deposits/conversions.js';
import { DepositCreditor } from '../../services/deposits/creditor.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { depositWorkflowId, hotCustodyAccount } from '../../domain/deposits/credit.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let userId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  userId = (await insertUser(db.sql, { email: 'dep@example.com', passwordHash: 'x', role: 'user' }))!.id;
});
afterAll(() => db.drop());

const seen = (txHash: string) => ({
  userId,
  currency: 'XRP',
  amount: 25_000_000n,
  chain: 'xrpl',
  txHash,
  eventIndex: 0,
  address: 'rEXAMPLE',
  destinationTag: 42n,
  workflowId: depositWorkflowId('xrpl', txHash, 0),
});

describe('deposits', () => {
  it('records a deposit once and credits it once, however often it is seen or credited', async () => {
    const first = await recordDeposit(db.sql, seen('AA'));
    const again = await recordDeposit(db.sql, { ...seen('AA'), amount: 1n });
    expect(again.id).toBe(first.id);
    expect(again.amount).toBe(25_000_000n);

    const credits = await Promise.all([
      creditDeposit(db.sql, first.id),
      creditDeposit(db.sql, first.id),
      creditDeposit(db.sql, first.id),
    ]);
    expect(credits.every((c) => c.ok && c.deposit.status === 'credited')).toBe(true);
    expect(balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted).toBe(25_000_000n);
    expect(balanceView(await balanceOf(db.sql, hotCustodyAccount('xrpl'), 'XRP')).posted).toBe(-25_000_000n);
  });

  it('never credits a dropped deposit, and never drops a credited one', async () => {
    const reorged = await recordDeposit(db.sql, seen('BB'));
    expect((await dropDeposit(db.sql, reorged.id))!.status).toBe('dropped');
    expect(await creditDeposit(db.sql, reorged.id)).toMatchObject({ ok: false, error: { code: 'deposit_dropped' } });

    const final = await recordDeposit(db.sql, seen('CC'));
    await creditDeposit(db.sql, final.id);
    expect((await dropDeposit(db.sql, final.id))!.status).toBe('credited');
    expect(balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted).toBe(50_000_000n);
  });

  it('credits a burst in one batch: each deposit once, a dropped one refused, repeats harmless', async () => {
    const before = balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted;
    const burst = await Promise.all(['D1', 'D2', 'D3', 'D4'].map((tx) => recordDeposit(db.sql, seen(tx))));
    await dropDeposit(db.sql, burst[3]!.id);
    const creditor = new DepositCreditor(db.sql);
    const ids = [...burst.map((d) => d.id), burst[0]!.id];
    const outcomes = await Promise.all(ids.map((id) => creditor.credit(id)));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, false, true]);
    expect(outcomes[3]).toMatchObject({ ok: false, error: { code: 'deposit_dropped' } });
    // the same deposit asked twice in one batch is one credit
    expect(balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted).toBe(before + 3n * 25_000_000n);
    const [again] = await Promise.all([creditor.credit(burst[1]!.id)]);
    expect(again).toMatchObject({ ok: true, deposit: { status: 'credited' } });
    expect(balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted).toBe(before + 3n * 25_000_000n);
  });

  it('credits a deposit held in the same batch with the one that reaches the minimum, and keeps it credited', async () => {
    const holder = (await insertUser(db.sql, { email: 'dep-min@example.com', passwordHash: 'x', role: 'user' }))!.id;
    const layer = { operation: DEPOSIT_SETTINGS.operation, subject: 'XRP', scope: 'user' as const, scopeId: holder };
    await saveLayer(db.sql, layer, { min_amount: '100', fee_fixed: '1' }, null);
    const small = (txHash: string, amount: bigint) =>
      recordDeposit(db.sql, { ...seen(txHash), userId: holder, address: 'rSMALL', destinationTag: 7n, amount });
    const [first, second] = [await small('M1', 60n), await small('M2', 50n)];
    const outcomes = await db.sql.begin((tx) => creditDeposits(tx, [first.id, second.id]));
    expect(outcomes.map((o) => o.ok && o.deposit.status)).toEqual(['credited', 'credited']);
    const statuses = await db.sql`select status from deposits where id in (${first.id}, ${second.id}) order by id`;
    expect(statuses.map((r) => r.status)).toEqual(['credited', 'credited']);
    const balance = async () => balanceView(await balanceOf(db.sql, userAccountName(holder), 'XRP')).posted;
    expect(await balance()).toBe(109n);
    // the first deposit is not held any more: it neither counts towards the next minimum nor is charged a fee again
    const third = await small('M3', 50n);
    expect(await creditDeposit(db.sql, third.id)).toMatchObject({ ok: true, deposit: { status: 'held' } });
    expect(await balance()).toBe(109n);

    // the first is converted with the second (their sum less the fee), not again on its own
    await setAutoConversion(db.sql, holder, 'XRP', 'USDT');
    const unreachable = () => {
      throw new Error('the deposit the second one credited must not be converted on its own');
    };
    const conversion = { sql: db.sql, currencies: { get: unreachable }, exchange: {} } as unknown as ConversionDeps;
    const credited = outcomes[0]!;
    expect(credited.ok && (await convertCreditedDeposit(conversion, credited.deposit))).toBeNull();
  });

  it('reads the held deposits a deposit released by an index (telling their workflows, converting its sum)', async () => {
    // the one the previous test credited with the deposit that reached the minimum
    const [releasing] = await db.sql`select credited_with as id from deposits where credited_with <> id limit 1`;
    // the table is small here: with scans allowed the planner would read it whole whatever indexes it has
    const plan = await db.sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      return tx`explain select id from deposits where credited_with = ${releasing!.id} and credited_with <> id`;
    });
    expect(plan.map((row) => Object.values(row)[0]).join('\n')).toContain('deposits_released_by');
  });
});
