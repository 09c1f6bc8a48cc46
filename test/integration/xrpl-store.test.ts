/** Recording XRPL payments in Postgres: idempotent, watched accounts only, deposits matched once, checkpoints. */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireLeadership } from '../../platform/db/leader-lock.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import {
  accountByAddress,
  ensureDepositAccount,
  recordBackfillCompleted,
  unwatchAccount,
  watchAccount,
} from '../../services/xrpl-tracking/accounts-store.js';
import { destinationTagOf } from '../../services/deposits/xrpl-destination-tags.js';
import {
  listPayments,
  markSignalled,
  paymentByHash,
  unmatchedPayments,
  unsignalledDeposits,
} from '../../services/xrpl-tracking/payments-store.js';
import { storePayments } from '../../services/xrpl-tracking/store-payments.js';
import type { XrplPayment } from '../../domain/xrpl-tracking/payments.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ADDRESSES, randomAddress, randomHash } from '../support/rippled/payments.js';
import { removeWatchedAccount } from '../../services/xrpl-tracking/client.js';
import { registerCustodyAddresses } from '../../services/reconciliation/store.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { bookXrplTopUps } from '../../services/reconciliation/booking.js';
import { transferOf } from '../../chains/xrpl/deliveries.js';
import { fromAccountTxEntry } from '../../chains/xrpl/payments.js';
import { channelClaimed } from '../support/rippled/deliveries.js';

let db: TestDatabase;
const { alice, bob, carol, dave, erin } = ADDRESSES;
const DEPOSITS = carol;

beforeAll(async () => {
  db = await createTestDatabase();
  await watchAccount(db.sql, { address: alice, label: 'treasury' });
  await watchAccount(db.sql, { address: bob, label: null });
  await ensureDepositAccount(db.sql, DEPOSITS);
});
afterAll(() => db.drop());

let ledger = 1_000;
const payment = (p: Partial<XrplPayment> = {}): XrplPayment => ({
  hash: randomHash(),
  ledgerIndex: ++ledger,
  transactionIndex: 0,
  closeTime: new Date('2025-01-01T00:00:00Z'),
  source: dave,
  destination: alice,
  destinationTag: null,
  sourceTag: null,
  result: 'tesSUCCESS',
  partial: false,
  delivered: { kind: 'xrp', drops: 1_000_000n },
  ...p,
});
const newUser = async (email: string) => (await insertUser(db.sql, { email, passwordHash: 'x', role: 'user' }))!.id;

describe('storing XRPL payments', () => {
  it('stores each payment of a watched account once, whoever sees it and however often', async () => {
    const seen = [
      payment({ destination: alice }),
      payment({ source: bob, destination: erin }),
      payment({ source: dave, destination: erin }),
    ];
    const first = await storePayments(db.sql, seen);
    expect(first).toMatchObject({ inserted: 2, ignored: 1, deposits: [] });
    const again = await Promise.all([storePayments(db.sql, seen), storePayments(db.sql, [...seen, seen[0]!])]);
    expect(again.map((o) => o.inserted)).toEqual([0, 0]);
    expect(await paymentByHash(db.sql, seen[0]!.hash)).toMatchObject({ ...seen[0], depositStatus: null });
    expect(await paymentByHash(db.sql, seen[2]!.hash)).toBeNull();
  });

  it('keeps issued-currency amounts exactly as the ledger gives them, and failed payments with their result', async () => {
    const iou = payment({
      partial: true,
      delivered: { kind: 'issued', currency: 'USD', issuer: ADDRESSES.issuer, value: '9.980039920159681' },
    });
    const failed = payment({ result: 'tecPATH_DRY', delivered: null });
    await storePayments(db.sql, [iou, failed]);
    expect((await paymentByHash(db.sql, iou.hash))!.delivered).toEqual(iou.delivered);
    expect(await paymentByHash(db.sql, failed.hash)).toMatchObject({ result: 'tecPATH_DRY', delivered: null });
  });

  it("credits a user's tag once, and flags unknown, missing and non-XRP deposits for operators", async () => {
    const userId = await newUser('tagged@example.com');
    const tag = await destinationTagOf(db.sql, userId);
    expect(await destinationTagOf(db.sql, userId)).toBe(tag);
    expect(await destinationTagOf(db.sql, await newUser('other@example.com'))).not.toBe(tag);

    const deposit = payment({ destination: DEPOSITS, destinationTag: tag, delivered: { kind: 'xrp', drops: 25_000_000n } });
    const flagged = [
      payment({ destination: DEPOSITS, destinationTag: 7n }),
      payment({ destination: DEPOSITS, destinationTag: null }),
      payment({
        destination: DEPOSITS,
        destinationTag: tag,
        delivered: { kind: 'issued', currency: 'USD', issuer: alice, value: '3' },
      }),
    ];
    const failed = payment({ destination: DEPOSITS, destinationTag: tag, result: 'tecPATH_DRY', delivered: null });
    // the stream and a backfill record the same payments at the same time: one deposit, signalled by one of them
    const outcomes = await Promise.all([
      storePayments(db.sql, [deposit, ...flagged, failed]),
      storePayments(db.sql, [failed, deposit]),
    ]);
    const deposits = outcomes.flatMap((o) => o.deposits);
    expect(deposits).toEqual([expect.objectContaining({ hash: deposit.hash, userId, drops: 25_000_000n })]);
    const rows = await db.sql`select * from deposits where tx_hash = ${deposit.hash}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      userId,
      currency: 'XRP',
      amount: 25_000_000n,
      chain: 'xrpl',
      eventIndex: 0,
      workflowId: `deposit:xrpl:${deposit.hash}:0`,
    });

    const unmatched = await unmatchedPayments(db.sql, { limit: 10 });
    expect(unmatched.map((p) => [p.hash, p.depositStatus])).toEqual([
      [flagged[2]!.hash, 'not_xrp'],
      [flagged[1]!.hash, 'missing_tag'],
      [flagged[0]!.hash, 'unknown_tag'],
    ]);
    expect(await paymentByHash(db.sql, failed.hash)).toMatchObject({ depositStatus: null, depositId: null });

    expect(await unsignalledDeposits(db.sql, 10)).toEqual([
      { hash: deposit.hash, ledgerIndex: deposit.ledgerIndex, depositId: deposits[0]!.depositId, userId },
    ]);
    await markSignalled(db.sql, [deposit.hash]);
    expect(await unsignalledDeposits(db.sql, 10)).toEqual([]);
  });

  it('never hands out a tag that earlier payments to the deposit address already used', async () => {
    // a payment with a tag nobody owned is flagged; whoever got that tag later must not look like its sender
    const used = await db.sql`select distinct destination_tag from xrpl_payments where destination_tag is not null`;
    const usedTags = new Set(used.map((r) => BigInt(r.destinationTag as string)));
    for (let i = 0; i < 5; i++)
      expect(usedTags.has(await destinationTagOf(db.sql, await newUser(`fresh${i}@example.com`)))).toBe(false);
  });

  it('advances the history checkpoint of followed accounts only forwards, and never from unknown', async () => {
    await recordBackfillCompleted(db.sql, alice, 5_000);
    await storePayments(db.sql, [], { addresses: [alice, bob], ledger: 5_100 });
    expect((await accountByAddress(db.sql, alice))!.completeThroughLedger).toBe(5_100);
    expect((await accountByAddress(db.sql, bob))!.completeThroughLedger).toBeNull();
    await storePayments(db.sql, [], { addresses: [alice], ledger: 5_050 });
    await recordBackfillCompleted(db.sql, alice, 4_000);
    expect((await accountByAddress(db.sql, alice))!.completeThroughLedger).toBe(5_100);
  });

  it('removes an account with its payments, keeping those another watched account is party to', async () => {
    const shared = payment({ source: alice, destination: bob });
    const own = payment({ source: erin, destination: bob });
    await storePayments(db.sql, [shared, own]);
    expect(await unwatchAccount(db.sql, bob)).toBe(true);
    expect(await unwatchAccount(db.sql, bob)).toBe(false);
    expect(await paymentByHash(db.sql, shared.hash)).not.toBeNull();
    expect(await paymentByHash(db.sql, own.hash)).toBeNull();
    expect(await listPayments(db.sql, { account: bob }, { limit: 10 })).toEqual([expect.objectContaining({ hash: shared.hash })]);
    // a batch that still carries the removed account's payments stores none of them
    expect(await storePayments(db.sql, [payment({ source: erin, destination: bob })])).toMatchObject({ inserted: 0, ignored: 1 });
  });

  it('filters and pages payments in ledger order', async () => {
    const many = Array.from({ length: 5 }, (_, i) =>
      payment({ source: erin, destination: alice, destinationTag: 99n, ledgerIndex: 9_000, transactionIndex: i }),
    );
    await storePayments(db.sql, many);
    const firstPage = await listPayments(db.sql, { destinationTag: 99n }, { limit: 3 });
    expect(firstPage.map((p) => p.transactionIndex)).toEqual([4, 3, 2]);
    const rest = await listPayments(
      db.sql,
      { destinationTag: 99n },
      { limit: 3, before: { ledgerIndex: 9_000, transactionIndex: 2 } },
    );
    expect(rest.map((p) => p.transactionIndex)).toEqual([1, 0]);
    expect(await listPayments(db.sql, { ledgerIndex: 9_000, hash: many[3]!.hash }, { limit: 3 })).toHaveLength(1);
  });

  it("lists an account's payments in both directions in one ledger order, once each", async () => {
    const watched = ADDRESSES.judy;
    await watchAccount(db.sql, { address: watched, label: null });
    // out, in, and to itself (ledger 9503)
    const mixed = Array.from({ length: 7 }, (_, i) =>
      i % 2
        ? payment({ ledgerIndex: 9_500 + i, source: watched, destination: i % 3 ? dave : watched })
        : payment({ ledgerIndex: 9_500 + i, source: dave, destination: watched }),
    );
    await storePayments(db.sql, mixed);
    const seen: number[] = [];
    let before: { ledgerIndex: number; transactionIndex: number } | undefined;
    for (;;) {
      const page = await listPayments(db.sql, { account: watched }, { limit: 2, before });
      seen.push(...page.map((p) => p.ledgerIndex));
      if (page.length < 2) break;
      before = page[page.length - 1]!;
    }
    expect(seen).toEqual(mixed.map((p) => p.ledgerIndex).reverse());
  });
});

describe('an operator removing a watched account', () => {
  // never reached when refused; a removal stops the account's backfill
  const temporal = {
    client: { workflow: { getHandle: () => ({ terminate: async () => {} }) } },
  } as unknown as TemporalTarget;
  const remove = (address: string) =>
    removeWatchedAccount(db.sql, temporal, pino({ level: 'silent' }), { address, operatorId: 'ops' });

  it('books XRP a payment channel claim delivers to the hot wallet as a top-up, from its record, once', async () => {
    const hot = randomAddress();
    await watchAccount(db.sql, { address: hot, label: 'hot wallet xrpl-claimed' });
    await registerCustodyAddresses(db.sql, [{ chain: 'xrpl', address: hot, account: 'custody:hot:xrpl', label: 'claimed' }]);
    const claim = channelClaimed({ from: dave, to: hot, drops: 3_000_000n });
    const entry = { tx: { ...claim.tx, date: 1, ledger_index: ++ledger }, meta: { ...claim.meta, TransactionIndex: 0 } };
    await storePayments(db.sql, [transferOf(fromAccountTxEntry({ ...entry, validated: true }))!]);
    expect(await bookXrplTopUps(db.sql)).toBe(1);
    expect(await bookXrplTopUps(db.sql)).toBe(0);
    const [booked] = await db.sql`
      select amount::text from ledger_transfers where key = ${`custody-inflow:xrpl:${claim.tx.hash}:0`}`;
    expect(booked).toMatchObject({ amount: '3000000' });
  });

  it('is refused for a custody wallet (the hot wallet), whose payouts and top-ups are booked from its payments', async () => {
    const hot = randomAddress();
    await watchAccount(db.sql, { address: hot, label: 'hot wallet xrpl-hot' });
    await registerCustodyAddresses(db.sql, [
      { chain: 'xrpl', address: hot, account: 'custody:hot:xrpl', label: 'XRP hot wallet' },
    ]);
    const topUp = payment({ source: dave, destination: hot });
    await storePayments(db.sql, [topUp]);
    await expect(remove(hot)).rejects.toMatchObject({
      code: 'conflict',
      issues: [{ path: 'address', message: 'is a custody wallet' }],
    });
    expect(await accountByAddress(db.sql, hot)).not.toBeNull();
    expect(await paymentByHash(db.sql, topUp.hash)).not.toBeNull();

    // another account goes, with its payments
    const other = randomAddress();
    await watchAccount(db.sql, { address: other, label: null });
    await remove(other);
    expect(await accountByAddress(db.sql, other)).toBeNull();
  });
});

describe('leader lock', () => {
  it("lets one process lead; a standby takes over when the leader's connection dies", async () => {
    const leader = await acquireLeadership(db.url, 'test-role', { checkMs: 100 });
    let standingBy = false;
    const standby = acquireLeadership(db.url, 'test-role', { retryMs: 100, onStandby: () => (standingBy = true) });
    await expect.poll(() => standingBy).toBe(true);
    await db.sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'sluice-leader:test-role' and pid in (
      select pid from pg_locks where locktype = 'advisory' and granted)`;
    expect(await leader.lost).toMatch(/lock connection/);
    const next = await standby;
    await Promise.all([leader.release(), next.release()]);
  });
});
