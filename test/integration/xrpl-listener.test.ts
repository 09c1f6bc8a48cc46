/**
 * The XRPL listener against the rippled test double with the real xrpl.js client: live payments, reconnects with
 * gap fill while ledgers keep closing, refused reconnects, watch-list changes without a restart, an unreachable
 * server at start-up.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { Client } from 'xrpl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XrplListener } from '../../chains/xrpl/listener/listener.js';
import {
  accountByAddress,
  ensureDepositAccount,
  recordBackfillCompleted,
  unwatchAccount,
  watchAccount,
} from '../../services/xrpl-tracking/accounts-store.js';
import { destinationTagOf } from '../../services/deposits/xrpl-destination-tags.js';
import { paymentByHash, type DepositToSignal } from '../../services/xrpl-tracking/payments-store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { freePort } from '../support/ports.js';
import { ADDRESSES, partialXrpPayment, randomAddress, xrpPayment, type LedgerTransaction } from '../support/rippled/payments.js';
import { accountDeleted, channelClaimed, checkCashed, escrowFinished } from '../support/rippled/deliveries.js';
import { accountTxPage } from '../../chains/xrpl/account-tx.js';
import { storePayments } from '../../services/xrpl-tracking/store-payments.js';
import { FakeRippled } from '../support/rippled/server.js';

const { alice, bob, carol, dave, erin } = ADDRESSES;
const DEPOSITS = carol;
const log = pino({ level: process.env.LOG_LEVEL ?? 'silent' });

let db: TestDatabase;
let fake: FakeRippled;
let listener: XrplListener;
const signalled: DepositToSignal[] = [];

const stored = async (hashes: string[]) =>
  (await db.sql`select hash from xrpl_payments where hash = any(${db.sql.array(hashes)}::text[])`).map((r) => r.hash as string);
const hashesOf = (txs: LedgerTransaction[]) => txs.map((t) => t.tx.hash as string);
const waitUntilStored = (txs: LedgerTransaction[]) =>
  expect.poll(async () => (await stored(hashesOf(txs))).length, { timeout: 20_000 }).toBe(txs.length);

beforeAll(async () => {
  [db, fake] = await Promise.all([createTestDatabase(), FakeRippled.start()]);
  await watchAccount(db.sql, { address: alice, label: null });
  await ensureDepositAccount(db.sql, DEPOSITS);
  // both histories were backfilled up to now: the listener fills from here and follows them live
  for (const address of [alice, DEPOSITS]) await recordBackfillCompleted(db.sql, address, fake.validatedLedger);
  listener = new XrplListener({
    url: fake.url,
    sql: db.sql,
    log,
    onDeposits: async (deposits) => void signalled.push(...deposits),
    reconnectMs: { min: 50, max: 200 },
    flushMs: 20,
    watchPollMs: 60_000, // NOTIFY alone must carry watch-list changes in these tests
  });
  await listener.start();
  await new Promise<void>((resolve) => listener.once('following', () => resolve()));
});
afterAll(async () => {
  await listener?.stop();
  await fake?.close();
  await db?.drop();
});

describe('XRPL listener', () => {
  it('stores validated payments as they stream in, with what partial payments delivered', async () => {
    const full = xrpPayment({ from: dave, to: alice, drops: 5_000_000n, tag: 42 });
    const partial = partialXrpPayment({ from: alice, to: erin, sentDrops: 2_000_000n, deliveredDrops: 1_000_000n });
    const unrelated = xrpPayment({ from: dave, to: erin, drops: 1n });
    const ledger = fake.closeLedger([full, partial, unrelated]);
    await waitUntilStored([full, partial]);
    const [row] = await db.sql`select * from xrpl_payments where hash = ${partial.tx.hash as string}`;
    expect(row).toMatchObject({
      ledgerIndex: String(ledger),
      partial: true,
      deliveredCurrency: 'XRP',
      deliveredDrops: 1_000_000n,
      deliveredValue: '1.000000',
    });
    expect(await stored(hashesOf([unrelated]))).toEqual([]);
    // the account's history is complete through the ledger before the newest closed one
    fake.closeLedger();
    await expect.poll(async () => (await accountByAddress(db.sql, alice))!.completeThroughLedger).toBe(ledger);
  });

  it('fills the gap after a drop, while reconnects are refused and ledgers keep closing', async () => {
    const sessions = listener.stats.sessions;
    const accountTxCalls = fake.requests.get('account_tx') ?? 0;
    fake.refuseConnections(true);
    fake.dropConnections();
    await expect.poll(() => fake.connections).toBe(0);
    const missed: LedgerTransaction[] = [];
    for (let i = 0; i < 6; i++) {
      const batch = [
        xrpPayment({ from: dave, to: alice, drops: BigInt(1_000 + i) }),
        xrpPayment({ from: alice, to: erin, drops: BigInt(2_000 + i) }),
      ];
      missed.push(...batch);
      fake.closeLedger(batch);
      await sleep(100);
    }
    expect(await stored(hashesOf(missed))).toEqual([]);
    fake.refuseConnections(false);
    await waitUntilStored(missed);
    expect(listener.stats.sessions).toBe(sessions + 1);
    expect(fake.requests.get('account_tx')).toBeGreaterThan(accountTxCalls);
    // and it streams again
    const after = [xrpPayment({ from: dave, to: alice, drops: 3n })];
    fake.closeLedger(after);
    await waitUntilStored(after);
  });

  it("fills the ledgers the server's stream skipped, on a connection that has seen ledgers close or none yet", async () => {
    // rippled more than 100 ledgers behind publishes the newest next: the ledgers between never stream, and the
    // account's history must not be recorded complete past them
    const seen = [xrpPayment({ from: dave, to: alice, drops: 4_000n })];
    fake.closeLedger(seen);
    await waitUntilStored(seen); // its ledger's close came first
    const sessions = listener.stats.sessions;
    const refollowed = new Promise<void>((resolve) => listener.once('following', () => resolve()));
    const skipped = [xrpPayment({ from: dave, to: alice, drops: 4_001n }), xrpPayment({ from: alice, to: erin, drops: 4_002n })];
    fake.closeLedger(skipped, { published: false });
    fake.closeLedger();
    await waitUntilStored(skipped);
    await refollowed;
    expect(listener.stats.sessions).toBe(sessions + 1);

    // the new connection has seen no ledger close: its subscribe answer named the newest validated one
    const skippedFirst = [xrpPayment({ from: dave, to: alice, drops: 4_003n })];
    const gap = fake.closeLedger(skippedFirst, { published: false });
    fake.closeLedger();
    await waitUntilStored(skippedFirst);
    fake.closeLedger();
    await expect.poll(async () => (await accountByAddress(db.sql, alice))!.completeThroughLedger).toBeGreaterThan(gap);
  });

  it('follows accounts added and removed without a restart', async () => {
    await watchAccount(db.sql, { address: bob, label: 'new' });
    await expect.poll(() => fake.subscribedAccounts().has(bob)).toBe(true);
    const toBob = [xrpPayment({ from: dave, to: bob, drops: 7n })];
    fake.closeLedger(toBob);
    await waitUntilStored(toBob);
    // not followed live until its first backfill completes: its checkpoint stays unknown until then
    fake.closeLedger();
    expect((await accountByAddress(db.sql, bob))!.completeThroughLedger).toBeNull();
    await recordBackfillCompleted(db.sql, bob, fake.validatedLedger);
    const later = fake.closeLedger();
    fake.closeLedger();
    await expect.poll(async () => (await accountByAddress(db.sql, bob))!.completeThroughLedger).toBeGreaterThanOrEqual(later);

    await unwatchAccount(db.sql, bob);
    await expect.poll(() => fake.subscribedAccounts().has(bob)).toBe(false);
    const ignored = [xrpPayment({ from: dave, to: bob, drops: 8n })];
    const marker = [xrpPayment({ from: dave, to: alice, drops: 9n })];
    fake.closeLedger([...ignored, ...marker]);
    await waitUntilStored(marker);
    expect(await stored(hashesOf(ignored))).toEqual([]);
  });

  it("records deposits to a user's destination tag and hands them over to be signalled", async () => {
    const userId = (await insertUser(db.sql, { email: 'listener-deposit@example.com', passwordHash: 'x', role: 'user' }))!.id;
    const tag = Number(await destinationTagOf(db.sql, userId));
    const deposit = xrpPayment({ from: dave, to: DEPOSITS, drops: 12_000_000n, tag });
    fake.closeLedger([deposit]);
    await expect.poll(() => signalled.map((d) => d.hash)).toContain(deposit.tx.hash);
    expect(signalled.find((d) => d.hash === deposit.tx.hash)).toMatchObject({ userId, ledgerIndex: fake.validatedLedger });
  });

  it('records XRP an escrow, a channel claim, a check and a deleted account deliver to the deposit address, once', async () => {
    // a Payment was all the listener kept: such XRP was neither credited nor held, and the wallet drifted from the books
    const userId = (await insertUser(db.sql, { email: 'listener-delivered@example.com', passwordHash: 'x', role: 'user' }))!.id;
    const tag = Number(await destinationTagOf(db.sql, userId));
    const deliveries = [
      escrowFinished({ from: dave, to: DEPOSITS, drops: 1_100_000n, tag }),
      channelClaimed({ from: erin, to: DEPOSITS, drops: 1_200_000n, tag }),
      checkCashed({ from: dave, to: DEPOSITS, drops: 1_300_000n, tag }),
      accountDeleted({ from: randomAddress(), to: DEPOSITS, drops: 1_400_000n, tag }),
      escrowFinished({ from: dave, to: DEPOSITS, drops: 1_500_000n }), // no tag on the escrow: for an operator
    ];
    const hashes = hashesOf(deliveries);
    fake.closeLedger(deliveries);
    await waitUntilStored(deliveries);
    await expect.poll(() => signalled.filter((d) => hashes.includes(d.hash)).length).toBe(4);
    const credited = () => db.sql`
      select tx_hash, amount::text, user_id from deposits where tx_hash = any(${db.sql.array(hashes)}::text[]) order by amount`;
    expect((await credited()).map((d) => [d.txHash, d.amount, d.userId])).toEqual([
      [hashes[0], '1100000', userId],
      [hashes[1], '1200000', userId],
      [hashes[2], '1300000', userId],
      [hashes[3], '1400000', userId],
    ]);
    expect(await paymentByHash(db.sql, hashes[4]!)).toMatchObject({
      depositStatus: 'missing_tag',
      delivered: { kind: 'xrp', drops: 1_500_000n },
    });

    // read again from account_tx, as a backfill or a gap fill does: known already, credited once
    const client = new Client(fake.url);
    await client.connect();
    try {
      const ledger = fake.validatedLedger;
      const page = await accountTxPage(client, { account: DEPOSITS, ledgerMin: ledger, ledgerMax: ledger, forward: true });
      expect(page.payments.map((p) => p.hash).sort()).toEqual([...hashes].sort());
      expect(await storePayments(db.sql, page.payments)).toMatchObject({ inserted: 0, deposits: [] });
    } finally {
      await client.disconnect();
    }
    expect(await credited()).toHaveLength(4);
  });

  it('reconnects when no ledger closes for too long, though the socket looks open', async () => {
    const watchful = new XrplListener({
      url: fake.url,
      sql: db.sql,
      log,
      onDeposits: async () => {},
      reconnectMs: { min: 50, max: 200 },
      stallMs: 300,
    });
    await watchful.start();
    try {
      await expect.poll(() => watchful.stats.sessions, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    } finally {
      await watchful.stop();
    }
  });

  it("says loudly when the server's history does not reach back to the gap", async () => {
    const lines: string[] = [];
    const captured = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const far = ADDRESSES.judy;
    fake.closeLedger([xrpPayment({ from: dave, to: far, drops: 1n })]);
    await watchAccount(db.sql, { address: far, label: null });
    await recordBackfillCompleted(db.sql, far, fake.firstLedger - 1_000);
    const listening = new XrplListener({
      url: fake.url,
      sql: db.sql,
      log: captured,
      onDeposits: async () => {},
      reconnectMs: { min: 50, max: 200 },
    });
    await listening.start();
    try {
      await expect.poll(() => lines.join('')).toContain('does not reach back far enough');
      expect(JSON.parse(lines.find((l) => l.includes('reach back'))!)).toMatchObject({
        account: far,
        from: fake.firstLedger - 1_000,
        serverStartsAt: fake.firstLedger,
      });
      // deposits in the gap cannot be read, and the account's history is recorded complete past it: operators are
      // alerted (routed to Slack or Telegram), not only told in a log
      const alerts = () => db.sql`
        select kind, severity, user_id, body from notifications where key = ${`xrpl-history-gap:${far}:${fake.firstLedger - 1_000}`}`;
      await expect.poll(async () => (await alerts()).length).toBe(1); // raised right after the log line
      expect(await alerts()).toEqual([
        {
          kind: 'xrpl_history_out_of_reach',
          severity: 'critical',
          userId: null,
          body: { account: far, from_ledger: fake.firstLedger - 1_000, server_starts_at: fake.firstLedger },
        },
      ]);
    } finally {
      await listening.stop();
      await unwatchAccount(db.sql, far);
    }
  });

  it('starts while the server is unreachable and connects once it is up', async () => {
    const port = await freePort();
    const late = new XrplListener({
      url: `ws://127.0.0.1:${port}`,
      sql: db.sql,
      log,
      onDeposits: async () => {},
      reconnectMs: { min: 50, max: 200 },
    });
    await late.start();
    try {
      await sleep(500);
      expect(late.stats.sessions).toBe(0);
      const server = await FakeRippled.start({ port });
      try {
        await expect.poll(() => late.stats.sessions, { timeout: 10_000 }).toBe(1);
        await expect.poll(() => server.subscribedAccounts().has(alice)).toBe(true);
      } finally {
        await late.stop();
        await server.close();
      }
    } finally {
      await late.stop();
    }
  });
});
