/**
 * The bet event workflow on the time-skipping server with its real activities against a test database: the deadline
 * closes the book, each result settles every bet, a lost signal is made up for by polling, and settlement resumed on
 * a new worker after the old one died mid-page pays each bet exactly once, and a long run continues as new while it
 * waits and while it settles (at the server's suggestion: bet-event-continue-as-new.test.ts). RECORD_HISTORIES=1
 * records the replay test's histories; bet-event-long-run.json is the long run's test recorded before the event
 * continued as new at its bound.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBetActivities } from '../../activities/betting/activities.js';
import { createNotificationActivities } from '../../activities/notifications/activities.js';
import { betEventById, changeBetEvent, insertBetEvent } from '../../services/betting/events-store.js';
import { BetPlacer } from '../../services/betting/placement.js';
import { recomputeLedger } from '../../services/audit/recompute.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { notificationsFor } from '../../services/notifications/store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { type EventState, type SettlementProgress } from '../../domain/betting/events.js';
import { betEventWorkflowId } from '../../workflows/betting/messages.js';
import { HOUSE_ACCOUNT } from '../../domain/betting/bets.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { betEventWorkflow } from '../../workflows/betting/workflow.js';
import { betEventChangedSignal, betSettlementProgressQuery, type BetEventInput } from '../../workflows/betting/messages.js';
import { SluiceKind, SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { recordHistory, runsOf, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';

const TASK_QUEUE = 'bet-event-test';
const log = pino({ level: 'silent' });

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let placer: BetPlacer;
let provider: string;

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnvironment(), createTestDatabase()]);
  placer = new BetPlacer(db.sql);
  provider = (await insertUser(db.sql, { email: 'lines@example.com', passwordHash: 'x', role: 'line_provider' }))!.id;
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

const activities = () => ({
  ...createBetActivities({ sql: db.sql, log }),
  ...createNotificationActivities({ sql: db.sql, log, currencies: new CurrencyCatalog(db.sql) }),
});
const newWorker = (overrides: Partial<ReturnType<typeof activities>> = {}, options: { maxCachedWorkflows?: number } = {}) =>
  Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities: { ...activities(), ...overrides },
    ...options,
  });

let users = 0;
async function fundedUser(amount: bigint): Promise<string> {
  const user = (await insertUser(db.sql, { email: `bettor${++users}@example.com`, passwordHash: 'x', role: 'user' }))!;
  await new LedgerWriter(db.sql).submit({
    transfers: [
      {
        kind: 'posted',
        key: `fund:${user.id}`,
        debit: 'equity:adjustments',
        credit: userAccountName(user.id),
        currency: 'USD',
        amount,
      },
    ],
  });
  return user.id;
}

/** An event whose deadline is `seconds` after the test server's clock (which earlier tests have moved on). */
async function newEvent(coefficient: bigint, seconds = 3_600): Promise<string> {
  const deadline = new Date((await env.currentTimeMs()) + seconds * 1000);
  return (await insertBetEvent(db.sql, { title: 'final', coefficient, deadline, createdBy: provider, idempotencyKey: null }))
    .event.id;
}

async function placeBet(userId: string, eventId: string, amount: bigint, key = `${eventId}:${Math.random()}`) {
  const outcome = await placer.place({ userId, eventId, currency: 'USD', amount, idempotencyKey: key });
  if (!outcome.ok) throw new Error(`placement refused: ${outcome.error.code}`);
  return outcome.bet;
}

function startWorkflow(eventId: string, input: Partial<BetEventInput> = {}) {
  return env.client.workflow.start(betEventWorkflow, {
    taskQueue: TASK_QUEUE,
    workflowId: betEventWorkflowId(eventId),
    args: [{ eventId, ...input }],
    typedSearchAttributes: [{ key: SluiceKind, value: 'bet-event' }],
  });
}

async function setResult(eventId: string, state: EventState, signal: boolean) {
  expect((await changeBetEvent(db.sql, eventId, { state }))?.stateChanged).toBe(true);
  if (signal) await env.client.workflow.getHandle(betEventWorkflowId(eventId)).signal(betEventChangedSignal);
}

async function waitForPhase(eventId: string, phase: SettlementProgress['phase']): Promise<SettlementProgress> {
  const handle = env.client.workflow.getHandle(betEventWorkflowId(eventId));
  for (let attempt = 0; attempt < 300; attempt++) {
    const progress = await handle.query(betSettlementProgressQuery);
    if (progress.phase === phase) return progress;
    await sleep(50);
  }
  throw new Error(`event ${eventId} never reached ${phase}`);
}

const posted = async (account: string) => balanceView(await balanceOf(db.sql, account, 'USD')).posted;

describe('betEventWorkflow', () => {
  it('closes the book at the deadline, then settles a win: stake × coefficient to every winner', async () => {
    const [ann, bob] = [await fundedUser(10_000n), await fundedUser(10_000n)];
    const eventId = await newEvent(185n, 5_000);
    await placeBet(ann, eventId, 1_000n); // wins 1850
    await placeBet(ann, eventId, 1n); // 1.85 cents → 1
    await placeBet(bob, eventId, 2_001n); // 3701.85 → 3701
    const houseBefore = await posted(HOUSE_ACCOUNT);

    const worker = await newWorker();
    const { result, status, history } = await worker.runUntil(async () => {
      const handle = await startWorkflow(eventId);
      expect((await waitForPhase(eventId, 'open')).tally).toBeNull();
      await env.sleep('5001 seconds');
      await waitForPhase(eventId, 'closed');
      expect((await betEventById(db.sql, eventId))!.bookClosedAt).not.toBeNull();
      // the real clock is still before the deadline: the book the workflow closed is what refuses the bet
      expect(await placer.place({ userId: bob, eventId, currency: 'USD', amount: 100n, idempotencyKey: 'late' })).toMatchObject({
        ok: false,
        error: { code: 'event_closed' },
      });
      await setResult(eventId, 'finished_win', true);
      const result = await handle.result();
      const description = await handle.describe();
      return { result, status: description.typedSearchAttributes.get(SluiceStatus), history: await handle.fetchHistory() };
    });

    expect(result).toMatchObject({
      eventId,
      phase: 'settled',
      outcome: 'finished_win',
      tally: {
        total: 3,
        pending: 0,
        won: 3,
        lost: 0,
        refunded: 0,
        currencies: [{ currency: 'USD', staked: '3002', paidOut: '5552' }],
      },
    });
    expect(status).toBe('settled');
    expect(await posted(userAccountName(ann))).toBe(10_000n + 850n + 0n);
    expect(await posted(userAccountName(bob))).toBe(10_000n + 1_700n);
    expect(houseBefore - (await posted(HOUSE_ACCOUNT))).toBe(850n + 1_700n);
    expect(await notificationsFor(db.sql, ann, { limit: 10, kind: 'bet_settled' })).toHaveLength(2);
    const [alert] = await notificationsFor(db.sql, null, { limit: 1, kind: 'bet_event_settled' });
    expect(alert).toMatchObject({
      key: `bet-event:${eventId}:settled`,
      title: `Event #${eventId} settled (finished_win): 3 won, 0 lost, 0 refunded`,
    });
    // amounts as people read them, in the currency's scale (the workflow's own tally stays in minor units)
    expect(alert!.body.tally).toMatchObject({ won: 3, currencies: [{ currency: 'USD', staked: '30.02', paidOut: '55.52' }] });
    expect((await betEventById(db.sql, eventId))!.settledAt).not.toBeNull();

    if (process.env.RECORD_HISTORIES) {
      await writeFile(new URL('../fixtures/histories/bet-event.json', import.meta.url), historyToJSON(history));
    }
  });

  it('gives the house every stake of a lost event, seeing the result by polling when no signal comes', async () => {
    const carl = await fundedUser(5_000n);
    const eventId = await newEvent(300n);
    await placeBet(carl, eventId, 1_200n);
    await placeBet(carl, eventId, 800n);
    const houseBefore = await posted(HOUSE_ACCOUNT);
    const worker = await newWorker();
    const result = await worker.runUntil(async () => {
      const handle = await startWorkflow(eventId, { pollIntervalMs: 60_000 });
      await waitForPhase(eventId, 'open');
      await setResult(eventId, 'finished_lose', false);
      return handle.result();
    });
    expect(result).toMatchObject({ phase: 'settled', outcome: 'finished_lose', tally: { total: 2, lost: 2 } });
    expect(balanceView(await balanceOf(db.sql, userAccountName(carl), 'USD'))).toEqual({
      posted: 3_000n,
      pending: 0n,
      available: 3_000n,
    });
    expect((await posted(HOUSE_ACCOUNT)) - houseBefore).toBe(2_000n);
  });

  it('does not miss a result signalled while it is looking at the event', async () => {
    const erin = await fundedUser(5_000n);
    const eventId = await newEvent(200n, 2 * 86_400);
    await placeBet(erin, eventId, 1_000n);
    const real = activities();
    let looks = 0;
    const worker = await newWorker({
      // the second look reads the event, then the result lands and is signalled before the look reports back
      async loadBetEvent(id) {
        const event = await real.loadBetEvent(id);
        if (++looks === 2) await setResult(eventId, 'finished_win', true);
        return event;
      },
    });
    const { result, history } = await worker.runUntil(async () => {
      const handle = await startWorkflow(eventId, { pollIntervalMs: 86_400_000 });
      await waitForPhase(eventId, 'open');
      await handle.signal(betEventChangedSignal); // wake it for the second look
      return { result: await handle.result(), history: await handle.fetchHistory() };
    });
    expect(result).toMatchObject({ phase: 'settled', outcome: 'finished_win', tally: { won: 1 } });
    // settled on the signal: no day-long poll timer ever fired
    expect(history.events!.filter((e) => e.timerFiredEventAttributes)).toEqual([]);
  });

  it('refunds every stake of a cancelled event', async () => {
    const dana = await fundedUser(5_000n);
    const eventId = await newEvent(150n);
    await placeBet(dana, eventId, 4_000n);
    const worker = await newWorker();
    const result = await worker.runUntil(async () => {
      const handle = await startWorkflow(eventId);
      await waitForPhase(eventId, 'open');
      await setResult(eventId, 'cancelled', true);
      return handle.result();
    });
    expect(result).toMatchObject({
      phase: 'settled',
      outcome: 'cancelled',
      tally: { refunded: 1, currencies: [{ staked: '4000', paidOut: '4000' }] },
    });
    expect(balanceView(await balanceOf(db.sql, userAccountName(dana), 'USD'))).toEqual({
      posted: 5_000n,
      pending: 0n,
      available: 5_000n,
    });
    const [notice] = await notificationsFor(db.sql, dana, { limit: 1 });
    expect(notice).toMatchObject({ kind: 'bet_settled', body: { status: 'refunded', payout: '40.00' } });
  });

  it('gives up on an event whose creating transaction never committed', async () => {
    const worker = await newWorker();
    const { result, status } = await worker.runUntil(async () => {
      const handle = await startWorkflow('987654321');
      const result = await handle.result();
      return { result, status: (await handle.describe()).typedSearchAttributes.get(SluiceStatus) };
    });
    expect(result).toMatchObject({ eventId: '987654321', phase: 'open', tally: null });
    expect(status).toBe('no-event');
  });

  it('resumes settlement on a new worker after the old one died with a page committed but unreported, paying each bet once', async () => {
    const bettors = await Promise.all([fundedUser(100_000n), fundedUser(100_000n), fundedUser(100_000n), fundedUser(100_000n)]);
    const eventId = await newEvent(250n);
    const bets = [];
    for (let i = 0; i < 40; i++) bets.push(await placeBet(bettors[i % 4]!, eventId, 100n + BigInt(i)));
    await setResult(eventId, 'finished_win', false);

    // the first worker commits its third page, then dies before it can report it
    let pages = 0;
    let died!: () => void;
    const dying = new Promise<void>((resolve) => (died = resolve));
    const real = activities();
    const doomed = await newWorker(
      {
        async settleBetPage(input) {
          const page = await real.settleBetPage(input);
          if (++pages !== 3) return page;
          died();
          throw new Error('the worker died before reporting this page');
        },
      },
      // no workflow cache: a dead worker's sticky queue would hold the next workflow task until it times out
      { maxCachedWorkflows: 0 },
    );
    const handle = await startWorkflow(eventId, { pageSize: 4 });
    const running = doomed.run();
    await dying;
    doomed.shutdown();
    await running;
    const [{ settled }] =
      (await db.sql`select count(*)::int as settled from bets where event_id = ${eventId} and status <> 'pending'`) as unknown as [
        { settled: number },
      ];
    expect(settled).toBeGreaterThanOrEqual(12);
    expect(settled).toBeLessThan(40);

    const survivor = await newWorker();
    const result = await survivor.runUntil(() => handle.result());
    expect(result).toMatchObject({ phase: 'settled', tally: { total: 40, pending: 0, won: 40 } });

    const transfers = await db.sql`
      select key from ledger_transfers where key like ${`bet:%`} and (metadata->>'event_id') = ${eventId}`;
    const keys = transfers.map((t) => t.key as string);
    expect(new Set(keys).size).toBe(keys.length);
    for (const b of bets)
      expect(keys.filter((k) => k.startsWith(`bet:${b.id}:`)).sort()).toEqual([
        `bet:${b.id}:payout`,
        `bet:${b.id}:settle`,
        `bet:${b.id}:stake`,
      ]);
    // each bettor has 10 bets of 100 + i (i ≡ their index mod 4); each pays floor(stake × 2.50) for the stake
    for (const [n, userId] of bettors.entries()) {
      const winnings = bets.filter((_, i) => i % 4 === n).reduce((sum, b) => sum + (b.amount * 250n) / 100n - b.amount, 0n);
      expect(await posted(userAccountName(userId))).toBe(100_000n + winnings);
      expect(await notificationsFor(db.sql, userId, { limit: 100, kind: 'bet_settled' })).toHaveLength(10);
    }
    expect((await recomputeLedger(db.sql)).ok).toBe(true);
  });

  it('continues as new once its run is long, while it waits and while it settles, paying each bet once', async () => {
    const fay = await fundedUser(10_000n);
    const eventId = await newEvent(200n);
    for (let i = 0; i < 12; i++) await placeBet(fay, eventId, 100n);
    const worker = await newWorker();
    const { result, runs } = await worker.runUntil(async () => {
      const handle = await startWorkflow(eventId, { pollIntervalMs: 60_000, pageSize: 1, runHistoryLimit: 40 });
      await waitForPhase(eventId, 'open');
      await env.sleep('20 minutes'); // twenty looks at the event while its book is open
      await setResult(eventId, 'finished_win', true);
      const result = await handle.result();
      return { result, runs: await runsOf(env.client, handle.workflowId, handle.firstExecutionRunId) };
    });
    await recordHistory('bet-event-continues-as-new', runs[0]);
    expect(result).toMatchObject({ phase: 'settled', outcome: 'finished_win', pages: 12, tally: { total: 12, won: 12 } });
    expect(runs.length).toBeGreaterThan(3);
    for (const run of runs) expect(run.events!.length).toBeLessThan(70); // the bound, a look past it, and the handover
    expect(await posted(userAccountName(fay))).toBe(10_000n + 12n * 100n);
  });
});
