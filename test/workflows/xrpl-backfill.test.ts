/**
 * The XRPL backfill and deposit workflows on the time-skipping server with their real activities, against a test
 * database and the rippled test double: a long history through continue-as-new, joining resyncs, incremental
 * passes, removed and unfunded accounts, and deposits found by a backfill credited once.
 */
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDepositActivities } from '../../activities/deposits/credit.js';
import { DepositCreditor } from '../../services/deposits/creditor.js';
import { createNotificationActivities } from '../../activities/notifications/activities.js';
import { createXrplActivities } from '../../activities/xrpl-tracking/activities.js';
import { XrplConnection } from '../../chains/xrpl/connection.js';
import { requestBackfill, watchOwnAccount } from '../../services/xrpl-tracking/client.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import {
  accountByAddress,
  ensureDepositAccount,
  recordBackfillCompleted,
  unwatchAccount,
  watchAccount,
} from '../../services/xrpl-tracking/accounts-store.js';
import { destinationTagOf } from '../../services/deposits/xrpl-destination-tags.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { xrplBackfillWorkflowId } from '../../workflows/xrpl-tracking/messages.js';
import { xrplDepositWorkflowId } from '../../workflows/deposits/xrpl/messages.js';
import type { XrplBackfillStatus } from '../../workflows/xrpl-tracking/messages.js';
import { xrplDepositStatusQuery } from '../../workflows/deposits/xrpl/messages.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ADDRESSES, randomAddress, xrpPayment, type LedgerTransaction } from '../support/rippled/payments.js';
import { FakeRippled } from '../support/rippled/server.js';
import { recordHistory, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';
import { DEPOSIT_SETTINGS } from '../../domain/deposits/settings.js';
import { saveLayer } from '../../services/settings/store.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { creditHeldDepositByOperator } from '../../services/deposits/client.js';

const TASK_QUEUE = 'xrpl-backfill-test';
const { alice, carol, dave } = ADDRESSES;
const DEPOSITS = carol;
const log = pino({ level: 'silent' });

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let fake: FakeRippled;
let xrpl: XrplConnection;
let temporal: TemporalTarget;

beforeAll(async () => {
  [env, db, fake] = await Promise.all([timeSkippingEnvironment(), createTestDatabase(), FakeRippled.start()]);
  xrpl = new XrplConnection(fake.url, log);
  temporal = { client: env.client, taskQueue: TASK_QUEUE };
});
afterAll(async () => {
  await xrpl?.close();
  await env?.teardown();
  await fake?.close();
  await db?.drop();
});

const worker = () =>
  Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities: {
      ...createXrplActivities({ sql: db.sql, log, xrpl }),
      ...createDepositActivities({ sql: db.sql, log, creditor: new DepositCreditor(db.sql), temporal }),
      ...createNotificationActivities({ sql: db.sql, log, currencies: new CurrencyCatalog(db.sql) }),
    },
  });

/** Closes ledgers of `perLedger` payments each until `count` payments are on the chain. */
function closeHistory(count: number, make: (i: number) => LedgerTransaction, perLedger = 25): LedgerTransaction[] {
  const all = Array.from({ length: count }, (_, i) => make(i));
  for (let i = 0; i < all.length; i += perLedger) fake.closeLedger(all.slice(i, i + perLedger));
  return all;
}

const result = (address: string) =>
  env.client.workflow.getHandle(xrplBackfillWorkflowId(address)).result() as Promise<XrplBackfillStatus>;
const storedCount = async (address: string) =>
  Number((await db.sql`select count(*) from xrpl_payments where source = ${address} or destination = ${address}`)[0]!.count);

describe('xrplBackfillWorkflow', () => {
  it('pages a history of 1,050 payments through continue-as-new, and a resync while it runs joins it', async () => {
    const history = closeHistory(1_050, (i) =>
      i % 2
        ? xrpPayment({ from: dave, to: alice, drops: BigInt(i + 1) })
        : xrpPayment({ from: alice, to: randomAddress(), drops: 10n }),
    );
    await watchAccount(db.sql, { address: alice, label: null });
    // both requests land before any worker runs: the second joins the first
    const first = await requestBackfill(temporal, alice, 'full', 'test');
    const second = await requestBackfill(temporal, alice, 'full', 'test');
    expect(second.workflowId).toBe(first.workflowId);

    const status = await (await worker()).runUntil(result(alice));
    expect(status).toMatchObject({
      state: 'done',
      mode: 'full',
      pages: 3,
      payments: 1_050,
      inserted: 1_050,
      resyncRequests: 2,
      completeThroughLedger: fake.validatedLedger,
    });
    expect(await storedCount(alice)).toBe(history.length);
    expect((await accountByAddress(db.sql, alice))!.completeThroughLedger).toBe(fake.validatedLedger);

    const firstRun = await env.client.workflow.getHandle(first.workflowId, first.runId).fetchHistory();
    expect(firstRun.events!.some((e) => e.workflowExecutionContinuedAsNewEventAttributes)).toBe(true);
    if (process.env.RECORD_HISTORIES) {
      await writeFile(new URL('../fixtures/histories/xrpl-backfill.json', import.meta.url), historyToJSON(firstRun));
    }
  });

  it('pages only what is new since the history was complete, and turns into a full pass when a resync joins', async () => {
    closeHistory(30, (i) => xrpPayment({ from: dave, to: alice, drops: BigInt(5_000 + i) }), 10);
    await (
      await worker()
    ).runUntil(async () => {
      await requestBackfill(temporal, alice, 'incremental', 'start-up');
      // from the ledger the history was complete through (its 25 payments read again), to the newest
      expect(await result(alice)).toMatchObject({
        state: 'done',
        mode: 'incremental',
        pages: 1,
        payments: 25 + 30,
        inserted: 30,
      });
      expect(await storedCount(alice)).toBe(1_080);

      await requestBackfill(temporal, alice, 'incremental', 'start-up');
      await requestBackfill(temporal, alice, 'full', 'operator');
      const upgraded = await result(alice);
      expect(upgraded).toMatchObject({ state: 'done', mode: 'full', resyncRequests: 1, inserted: 0 });
      expect(upgraded.payments).toBeGreaterThanOrEqual(1_080);
    });
  });

  it('stops when the account is removed, and completes an address nobody has funded', async () => {
    const removed = randomAddress();
    closeHistory(5, () => xrpPayment({ from: dave, to: removed, drops: 1n }));
    await watchAccount(db.sql, { address: removed, label: null });
    await requestBackfill(temporal, removed, 'full', 'test');
    await unwatchAccount(db.sql, removed);
    const unfunded = randomAddress();
    await watchAccount(db.sql, { address: unfunded, label: null });
    await requestBackfill(temporal, unfunded, 'full', 'test');

    await (
      await worker()
    ).runUntil(async () => {
      expect(await result(removed)).toMatchObject({ state: 'stopped', pages: 0 });
      expect(await result(unfunded)).toMatchObject({
        state: 'done',
        pages: 1,
        payments: 0,
        completeThroughLedger: fake.validatedLedger,
      });
    });
    expect(await storedCount(removed)).toBe(0);
  });

  it('alerts when a full pass cannot reach back to where the history was known complete', async () => {
    // the listener away longer than the server keeps history, then a resync: recorded complete through the newest
    // ledger, the gap would be read by nothing again (the gap fills and incremental passes start after it)
    const behind = randomAddress();
    closeHistory(1, () => xrpPayment({ from: dave, to: behind, drops: 1n }));
    const unfunded = randomAddress(); // no history at all: nothing out of reach
    // one account at a time: two results awaited at once on the time-skipping server timed a run out (10 years skipped)
    // whenever the suite's other files kept the machine busy
    await (
      await worker()
    ).runUntil(async () => {
      for (const address of [behind, unfunded]) {
        await watchAccount(db.sql, { address, label: null });
        await recordBackfillCompleted(db.sql, address, fake.firstLedger - 1_000);
        await requestBackfill(temporal, address, 'full', 'operator');
        await result(address);
      }
    });
    const gaps = await db.sql`
      select key, severity, body from notifications where kind = 'xrpl_history_out_of_reach'
        and body->>'account' = any(${db.sql.array([behind, unfunded])}::text[])`;
    expect(gaps).toEqual([
      {
        key: `xrpl-history-gap:${behind}:${fake.firstLedger - 1_000}`,
        severity: 'critical',
        body: { account: behind, from_ledger: fake.firstLedger - 1_000, server_starts_at: fake.firstLedger },
      },
    ]);
  });

  it('backfills an account of ours (a hot wallet) once it is watched, and asks again only until its history is complete', async () => {
    // the listener fills an account's gaps after a reconnect, and records it complete, only once a backfill completed:
    // a hot wallet the worker watched after the listener's start-up backfills had none, so what it paid or received
    // while the listener was away was never read
    const hot = randomAddress();
    closeHistory(1, () => xrpPayment({ from: dave, to: hot, drops: 25_000_000n }));
    await watchOwnAccount(db.sql, temporal, { address: hot, label: 'hot wallet test' });
    const first = await env.client.workflow.getHandle(xrplBackfillWorkflowId(hot)).describe();
    await (await worker()).runUntil(result(hot));
    expect((await accountByAddress(db.sql, hot))!.completeThroughLedger).toBe(fake.validatedLedger);
    expect(await storedCount(hot)).toBe(1);
    // the worker started again: the history is known complete, the listener's own passes go on from there
    await watchOwnAccount(db.sql, temporal, { address: hot, label: 'hot wallet test' });
    expect((await env.client.workflow.getHandle(xrplBackfillWorkflowId(hot)).describe()).runId).toBe(first.runId);
  });

  it('credits deposits found in the history once, however often the history is paged', async () => {
    await ensureDepositAccount(db.sql, DEPOSITS);
    const userId = (await insertUser(db.sql, { email: 'backfill-deposit@example.com', passwordHash: 'x', role: 'user' }))!.id;
    const tag = Number(await destinationTagOf(db.sql, userId));
    const [deposit] = closeHistory(1, () => xrpPayment({ from: dave, to: DEPOSITS, drops: 40_000_000n, tag }));
    const hash = deposit!.tx.hash as string;
    const w = await worker();
    await w.runUntil(async () => {
      for (let pass = 0; pass < 2; pass++) {
        await requestBackfill(temporal, DEPOSITS, 'full', 'test');
        await result(DEPOSITS);
      }
      const depositHandle = env.client.workflow.getHandle(xrplDepositWorkflowId(hash));
      expect(await depositHandle.result()).toMatchObject({ state: 'credited', userId, amount: '40.000000 XRP' });
      expect(await depositHandle.query(xrplDepositStatusQuery)).toMatchObject({ ledgerIndex: fake.validatedLedger });
      // a credit that released no held deposits tells none: no activity beyond crediting it and its notice
      const activities = (await depositHandle.fetchHistory()).events!.flatMap((e) =>
        e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name] : [],
      );
      expect(activities).not.toContain('tellReleasedDeposits');
      if (process.env.RECORD_HISTORIES) {
        await writeFile(
          new URL('../fixtures/histories/xrpl-deposit.json', import.meta.url),
          historyToJSON(await depositHandle.fetchHistory()),
        );
      }
    });
    expect(balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted).toBe(40_000_000n);
    const notes = await db.sql`select * from notifications where user_id = ${userId}`;
    expect(notes).toEqual([expect.objectContaining({ kind: 'deposit_credited', title: 'Deposit of 40 XRP credited' })]);
    expect((await db.sql`select signalled_at from xrpl_payments where hash = ${hash}`)[0]!.signalledAt).not.toBeNull();
  });

  /** A deposit of 40 XRP held below its owner's 100 XRP minimum, recorded by a backfill. */
  async function heldDeposit(email: string) {
    await ensureDepositAccount(db.sql, DEPOSITS);
    const userId = (await insertUser(db.sql, { email, passwordHash: 'x', role: 'user' }))!.id;
    const layer = { operation: DEPOSIT_SETTINGS.operation, subject: 'XRP', scope: 'user' as const, scopeId: userId };
    await saveLayer(db.sql, layer, { min_amount: '100000000' }, null); // 100 XRP, in drops
    const tag = Number(await destinationTagOf(db.sql, userId));
    const [deposit] = closeHistory(1, () => xrpPayment({ from: dave, to: DEPOSITS, drops: 40_000_000n, tag }));
    const hash = deposit!.tx.hash as string;
    return { userId, hash, handle: env.client.workflow.getHandle(xrplDepositWorkflowId(hash)) };
  }
  const operator = async (email: string) => (await insertUser(db.sql, { email, passwordHash: 'x', role: 'admin' }))!.id;
  const depositIdOf = async (hash: string) => String((await db.sql`select id from deposits where tx_hash = ${hash}`)[0]!.id);
  const shown = async (handle: ReturnType<typeof env.client.workflow.getHandle>) => [
    (await handle.query(xrplDepositStatusQuery)).state,
    (await handle.describe()).typedSearchAttributes.get(SluiceStatus),
  ];

  it('ends a deposit held below its minimum held, leaving nothing open, tells its owner nothing, and shows it credited once an operator credits it', async () => {
    const { userId, hash, handle } = await heldDeposit('backfill-held@example.com');
    await (
      await worker()
    ).runUntil(async () => {
      await requestBackfill(temporal, DEPOSITS, 'full', 'test');
      await result(DEPOSITS);
      // no run nor timer kept open per held deposit: one-drop payments would load the cluster (they waited, hourly)
      await expect.poll(async () => (await handle.describe()).status.name, { timeout: 20_000 }).toBe('COMPLETED');
      expect(await handle.result()).toMatchObject({ state: 'held', userId, amount: '40.000000 XRP' });
      const heldRun = await handle.describe();
      expect(await shown(handle)).toEqual(['held', 'held']);
      expect(balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted).toBe(0n);
      expect(await db.sql`select * from notifications where user_id = ${userId}`).toEqual([]);
      await recordHistory('xrpl-deposit-held-run-ends', await handle.fetchHistory());

      // the operator's credit runs it again under its ID: it reads the row, credits nothing, and shows credited
      await creditHeldDepositByOperator(
        { sql: db.sql, log, temporal },
        await operator('held-ops@example.com'),
        await depositIdOf(hash),
      );
      const latest = env.client.workflow.getHandle(xrplDepositWorkflowId(hash));
      expect(await latest.result()).toMatchObject({ state: 'credited', userId, amount: '40.000000 XRP' });
      expect((await latest.describe()).runId).not.toBe(heldRun.runId);
      expect(await shown(latest)).toEqual(['credited', 'credited']);
    });
    expect(balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted).toBe(40_000_000n);
    // told once, by the operator's credit and the workflow under one key
    expect(await db.sql`select kind from notifications where user_id = ${userId}`).toEqual([{ kind: 'deposit_credited' }]);
  });

  it('shows a held deposit a later deposit releases credited: the later one tells it, its workflow runs again', async () => {
    const { userId, handle } = await heldDeposit('backfill-held-release@example.com');
    await (
      await worker()
    ).runUntil(async () => {
      await requestBackfill(temporal, DEPOSITS, 'full', 'test');
      await result(DEPOSITS);
      await expect.poll(async () => (await handle.describe()).status.name, { timeout: 20_000 }).toBe('COMPLETED');
      expect(await handle.result()).toMatchObject({ state: 'held' });

      // 40 held and 70 more reach the 100 XRP minimum: the later deposit's credit releases the held one
      const tag = Number(await destinationTagOf(db.sql, userId));
      const [later] = closeHistory(1, () => xrpPayment({ from: dave, to: DEPOSITS, drops: 70_000_000n, tag }));
      await requestBackfill(temporal, DEPOSITS, 'full', 'test');
      await result(DEPOSITS);
      const laterHandle = env.client.workflow.getHandle(xrplDepositWorkflowId(later!.tx.hash as string));
      expect(await laterHandle.result()).toMatchObject({ state: 'credited' });
      await recordHistory('xrpl-deposit-tells-released-in-pages', await laterHandle.fetchHistory());
      await expect.poll(() => shown(handle), { timeout: 20_000 }).toEqual(['credited', 'credited']);
      expect(await handle.result()).toMatchObject({ state: 'credited' });
    });
    // both credited, once
    expect(balanceView(await balanceOf(db.sql, userAccountName(userId), 'XRP')).posted).toBe(110_000_000n);
  });
});
