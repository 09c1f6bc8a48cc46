/** Bet placement and settlement on a real PostgreSQL: batching, idempotency, refusals, races with a state change. */
import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BetEventCache } from '../../services/betting/event-cache.js';
import { changeBetEvent, closeBook, insertBetEvent, markSettled } from '../../services/betting/events-store.js';
import { BetPlacer, type BatchPhases, type BetRequest } from '../../services/betting/placement.js';
import { settleBetPage } from '../../services/betting/settlement.js';
import { betById, tallyBets } from '../../services/betting/bets-store.js';
import { recomputeLedger } from '../../services/audit/recompute.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { notificationsFor } from '../../services/notifications/store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { HOUSE_ACCOUNT } from '../../domain/betting/bets.js';
import { createSql } from '../../platform/db/client.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { expectRendersItsTemplates } from '../support/notification-templates.js';
import { fundedUser as fundUser } from '../support/funded-user.js';

let db: TestDatabase;
let placer: BetPlacer;
let provider: string;

beforeAll(async () => {
  db = await createTestDatabase();
  placer = new BetPlacer(db.sql);
  provider = (await insertUser(db.sql, { email: 'lines@example.com', passwordHash: 'x', role: 'line_provider' }))!.id;
});
afterAll(() => db.drop());

function fundedUser(amount: bigint, currency = 'USD'): Promise<string> {
  return fundUser(db.sql, 'bettor', { [currency]: amount });
}

async function newEvent(
  coefficient = 185n,
  deadline = new Date(Date.now() + 3_600_000),
  title: string | null = 'match',
): Promise<string> {
  return (await insertBetEvent(db.sql, { title, coefficient, deadline, createdBy: provider, idempotencyKey: null })).event.id;
}

const available = async (userId: string, currency = 'USD') =>
  balanceView(await balanceOf(db.sql, userAccountName(userId), currency));
const bet = (userId: string, eventId: string, amount: bigint, key: string, currency = 'USD'): BetRequest => ({
  userId,
  eventId,
  currency,
  amount,
  idempotencyKey: key,
});

async function settleAll(eventId: string, pageSize = 50) {
  for (;;) {
    const page = await settleBetPage(db.sql, eventId, pageSize);
    if (page.tally.pending === 0) return page;
  }
}

describe('placing bets', () => {
  it("holds each stake and records the bet at the event's coefficient, many at once in shared transactions", async () => {
    const eventId = await newEvent(210n);
    const bettors = await Promise.all(Array.from({ length: 20 }, () => fundedUser(10_000n)));
    const outcomes = await Promise.all(
      bettors.flatMap((userId) =>
        Array.from({ length: 10 }, (_, i) => placer.place(bet(userId, eventId, 100n * BigInt(i + 1), `k${i}`))),
      ),
    );
    expect(outcomes.every((o) => o.ok && !o.replayed)).toBe(true);
    for (const userId of bettors)
      expect(await available(userId)).toEqual({ posted: 10_000n, pending: 5_500n, available: 4_500n });
    const first = outcomes[0]!;
    expect(first.ok && first.bet).toMatchObject({ eventId, amount: 100n, coefficient: 210n, status: 'pending', payout: null });
    expect(await tallyBets(db.sql, eventId)).toMatchObject({
      total: 200,
      pending: 200,
      currencies: [{ currency: 'USD', staked: String(20 * 5_500) }],
    });
  });

  it('answers a repeated Idempotency-Key with the first bet, in one batch and across batches, and refuses a different request', async () => {
    const eventId = await newEvent();
    const userId = await fundedUser(1_000n);
    const [a, b, inBatch] = await Promise.all([
      placer.place(bet(userId, eventId, 300n, 'same')),
      placer.place(bet(userId, eventId, 300n, 'same')),
      placer.place(bet(userId, eventId, 300n, 'same', 'USDT')),
    ]);
    const later = await placer.place(bet(userId, eventId, 300n, 'same'));
    const conflicting = await placer.place(bet(userId, await newEvent(), 301n, 'same'));
    expect(a.ok && b.ok && later.ok).toBe(true);
    const ids = [a, b, later].map((o) => (o.ok ? o.bet.id : null));
    expect(new Set(ids).size).toBe(1);
    expect([a, b, later].filter((o) => o.ok && o.replayed)).toHaveLength(2);
    // a 409 naming what differs, whether the first bet is stored or still in the batch
    const conflict = (fields: string) => ({
      ok: false,
      error: { code: 'idempotency_conflict', issues: [{ path: 'Idempotency-Key', message: expect.stringContaining(fields) }] },
    });
    expect(inBatch).toMatchObject(conflict('(currency differs)'));
    expect(conflicting).toMatchObject(conflict('(event_id, amount differ)'));
    expect(await available(userId)).toMatchObject({ pending: 300n, available: 700n });
  });

  it('places one bet per key sent through two processes at once', async () => {
    const eventId = await newEvent();
    const userId = await fundedUser(10_000n);
    const otherProcess = new BetPlacer(db.sql);
    await Promise.all([db.sql.begin((tx) => tx`select 1`), db.sql.begin((tx) => tx`select 1`)]); // both connections warm
    const keys = Array.from({ length: 20 }, (_, k) => `twin-${k}`);
    const outcomes = await Promise.all(
      keys.flatMap((key) => [placer, otherProcess, placer, otherProcess].map((p) => p.place(bet(userId, eventId, 100n, key)))),
    );
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(new Set(outcomes.map((o) => o.ok && o.bet.id)).size).toBe(20);
    expect(outcomes.filter((o) => o.ok && !o.replayed)).toHaveLength(20);
    expect(await available(userId)).toMatchObject({ pending: 2_000n, available: 8_000n });
  });

  it("places a batch in two round trips, each leaving before any of its answers: BEGIN with the bets' and the ledger's reads and locks, then the writes with COMMIT", async () => {
    // round trips to PostgreSQL: each run of writes after an answer (or the first) starts one. postgres.js writes what
    // it has buffered once a statement brings it to 1 KB, and the rest on its next setImmediate: a batch's first
    // statements issued in the check phase (BatchQueue starts a batch there) leave that rest a turn later, when an
    // answer to what went first may have arrived, so a first round trip whose last statement was small took two
    const port = Number(new URL(db.url).port);
    let roundTrips = 0;
    let answered = true;
    const originalWrite = Socket.prototype.write;
    const originalEmit = Socket.prototype.emit;
    const write = vi.spyOn(Socket.prototype, 'write').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port && answered) [roundTrips, answered] = [roundTrips + 1, false];
      return (originalWrite as (...a: unknown[]) => boolean).apply(this, args);
    });
    const emit = vi.spyOn(Socket.prototype, 'emit').mockImplementation(function (this: Socket, ...args: unknown[]) {
      if (this.remotePort === port && args[0] === 'data') answered = true;
      return (originalEmit as (...a: unknown[]) => boolean).apply(this, args);
    });
    const sent: string[] = [];
    const single = createSql(db.url, { max: 1, onStatement: (...args: unknown[]) => sent.push(String(args[1])) });
    const batchPlacer = new BetPlacer(single);
    const eventId = await newEvent();
    // a batch of some size, with keys as clients make them: its statements pass 1 KB
    const bettors = await Promise.all(Array.from({ length: 32 }, () => fundedUser(1_000n)));
    const batch = () => Promise.all(bettors.map((userId) => batchPlacer.place(bet(userId, eventId, 10n, randomUUID()))));
    try {
      // the connection prepares each statement on its first use (a round trip of its own), and the first batch draws
      // its ids before it begins
      await batch();
      roundTrips = 0;
      sent.length = 0;
      expect((await batch()).every((o) => o.ok && !o.replayed)).toBe(true);
      expect(roundTrips).toBe(2);
      // a hold's key is made of its bet's fresh id: the journal is not searched for it
      expect(sent.filter((q) => /from ledger_transfers/.test(q))).toEqual([]);
      // a placement answers with its bet: the holds' transfer rows are not sent back to be parsed
      const holds = sent.filter((q) => /insert into ledger_transfers/.test(q));
      expect(holds.length).toBeGreaterThan(0);
      expect(holds.filter((q) => /returning/.test(q))).toEqual([]);
    } finally {
      write.mockRestore();
      emit.mockRestore();
      await single.end();
    }
  });

  it("tells its observer each committed batch's size and where its time went", async () => {
    const phases: BatchPhases[] = [];
    const observed = new BetPlacer(db.sql, { onBatch: (p) => phases.push(p) });
    const eventId = await newEvent();
    const bettors = await Promise.all(Array.from({ length: 3 }, () => fundedUser(1_000n)));
    const started = performance.now();
    const outcomes = await Promise.all(bettors.map((userId) => observed.place(bet(userId, eventId, 10n, randomUUID()))));
    const elapsed = performance.now() - started;
    expect(outcomes.every((o) => o.ok)).toBe(true);
    // submitted in one turn of the event loop: one batch
    expect(phases).toHaveLength(1);
    const [{ bets, readsMs, decidingMs, writesMs }] = phases as [BatchPhases];
    expect(bets).toBe(3);
    for (const ms of [readsMs, decidingMs, writesMs]) expect(ms).toBeGreaterThanOrEqual(0);
    // the round trips are the batch's: each took some time, and together no more than the callers waited
    expect(readsMs).toBeGreaterThan(0);
    expect(writesMs).toBeGreaterThan(0);
    expect(readsMs + decidingMs + writesMs).toBeLessThanOrEqual(elapsed);
  });

  it('gives every bet its own id with two batches in flight at once', async () => {
    const eventId = await newEvent();
    const userId = await fundedUser(100_000n);
    const inFlight = new BetPlacer(db.sql, { batchesInFlight: 2, maxBatch: 7 }); // small batches, many drawing from the ids reserve while another runs
    const outcomes = await Promise.all(
      Array.from({ length: 120 }, (_, i) => inFlight.place(bet(userId, eventId, 10n + BigInt(i % 3), `two-${i}`))),
    );
    expect(outcomes.every((o) => o.ok && !o.replayed)).toBe(true);
    expect(new Set(outcomes.map((o) => o.ok && o.bet.id)).size).toBe(120);
    expect(await tallyBets(db.sql, eventId)).toMatchObject({ total: 120, pending: 120 });
    expect(await available(userId)).toMatchObject({ pending: 40n * 10n + 40n * 11n + 40n * 12n });
    const report = await recomputeLedger(db.sql);
    expect(report.ok).toBe(true);
  });

  it('refuses only the bet that would overdraw, and leaves its batch-mates placed', async () => {
    const eventId = await newEvent();
    const rich = await fundedUser(1_000n);
    const poor = await fundedUser(50n);
    const outcomes = await Promise.all([
      placer.place(bet(rich, eventId, 400n, 'r1')),
      placer.place(bet(poor, eventId, 40n, 'p1')),
      placer.place(bet(poor, eventId, 40n, 'p2')),
      placer.place(bet(rich, eventId, 600n, 'r2')),
    ]);
    expect(outcomes.map((o) => (o.ok ? 'placed' : o.error.code))).toEqual(['placed', 'placed', 'insufficient_funds', 'placed']);
    expect(await available(poor)).toMatchObject({ pending: 40n, available: 10n });
    expect(await available(rich)).toMatchObject({ available: 0n });
  });

  it('refuses bets on a missing event, after the deadline, after the book closed and once the event has a result', async () => {
    const userId = await fundedUser(1_000n);
    const past = await newEvent(185n, new Date(Date.now() - 1_000));
    const closed = await newEvent();
    await closeBook(db.sql, closed);
    const finished = await newEvent();
    await changeBetEvent(db.sql, finished, { state: 'finished_lose' });
    const outcomes = await Promise.all([
      placer.place(bet(userId, '999999', 10n, 'x1')),
      placer.place(bet(userId, past, 10n, 'x2')),
      placer.place(bet(userId, closed, 10n, 'x3')),
      placer.place(bet(userId, finished, 10n, 'x4')),
    ]);
    expect(outcomes.map((o) => !o.ok && o.error.code)).toEqual(['not_found', 'event_closed', 'event_closed', 'event_not_open']);
    expect(await available(userId)).toMatchObject({ pending: 0n, available: 1_000n });
  });

  it('refuses a bet by the line provider who runs the event, naming event_id, and holds nothing', async () => {
    const runner = await fundedUser(1_000n);
    const deadline = new Date(Date.now() + 3_600_000);
    const own = await insertBetEvent(db.sql, {
      title: 'own',
      coefficient: 185n,
      deadline,
      createdBy: runner,
      idempotencyKey: null,
    });
    const other = await newEvent();
    const [onOwn, onOther] = await Promise.all([
      placer.place(bet(runner, own.event.id, 10n, 'own1')),
      placer.place(bet(runner, other, 10n, 'other1')),
    ]);
    expect(onOwn).toMatchObject({ ok: false, error: { code: 'forbidden', issues: [{ path: 'event_id' }] } });
    expect(onOther.ok).toBe(true);
    expect(await available(runner)).toMatchObject({ pending: 10n, available: 990n });
  });

  it("keeps a bet's coefficient when the event's changes later", async () => {
    const eventId = await newEvent(150n);
    const userId = await fundedUser(1_000n);
    const before = await placer.place(bet(userId, eventId, 100n, 'c1'));
    await changeBetEvent(db.sql, eventId, { coefficient: 300n });
    const after = await placer.place(bet(userId, eventId, 100n, 'c2'));
    expect([before, after].map((o) => o.ok && o.bet.coefficient)).toEqual([150n, 300n]);
    await changeBetEvent(db.sql, eventId, { state: 'finished_win' });
    await settleAll(eventId);
    expect((await betById(db.sql, before.ok ? before.bet.id : ''))!.payout).toBe(150n);
    expect((await betById(db.sql, after.ok ? after.bet.id : ''))!.payout).toBe(300n);
  });

  it('changes only the events of the line provider it is limited to, and records who set the result', async () => {
    const eventId = await newEvent(150n);
    const rival = (await insertUser(db.sql, { email: 'rival@example.com', passwordHash: 'x', role: 'line_provider' }))!.id;
    const byRival = { id: rival, ownEventsOnly: true };
    expect(await changeBetEvent(db.sql, eventId, { state: 'finished_win' }, byRival)).toBeNull();
    expect(await changeBetEvent(db.sql, eventId, { coefficient: 990n }, byRival)).toBeNull();
    const own = await changeBetEvent(db.sql, eventId, { coefficient: 160n }, { id: provider, ownEventsOnly: true });
    expect(own?.event).toMatchObject({ coefficient: 160n, state: 'new' });
    const byOperator = await changeBetEvent(db.sql, eventId, { state: 'cancelled' }, { id: rival, ownEventsOnly: false });
    expect(byOperator?.event).toMatchObject({ state: 'cancelled', resultSetBy: rival });
  });

  it('lets no bet in after a state change, even through a stale cache, and settles every bet that got in before it', async () => {
    const eventId = await newEvent();
    const cache = new BetEventCache(db.sql, 60_000);
    expect((await cache.get(eventId))!.state).toBe('new');
    // a hit is the event itself, not a promise of it
    expect(cache.get(eventId)).toMatchObject({ id: eventId, state: 'new' });
    const bettors = await Promise.all(Array.from({ length: 10 }, () => fundedUser(100_000n)));
    let n = 0;
    const racing = Array.from({ length: 300 }, (_, i) => {
      const userId = bettors[i % bettors.length]!;
      return new Promise<Awaited<ReturnType<BetPlacer['place']>>>((resolve) =>
        setTimeout(() => resolve(placer.place(bet(userId, eventId, 10n, `race${n++}`))), i % 30),
      );
    });
    await sleep(12);
    const changed = await changeBetEvent(db.sql, eventId, { state: 'finished_win' });
    expect(changed?.stateChanged).toBe(true);
    const outcomes = await Promise.all(racing);
    const placed = outcomes.filter((o) => o.ok).length;
    const refused = outcomes.filter((o) => !o.ok);
    expect(refused.every((o) => !o.ok && o.error.code === 'event_not_open')).toBe(true);
    expect(placed + refused.length).toBe(300);

    expect((await cache.get(eventId))!.state).toBe('new'); // stale on purpose
    const late = await placer.place(bet(bettors[0]!, eventId, 10n, 'after'));
    expect(late).toMatchObject({ ok: false, error: { code: 'event_not_open' } });

    const done = await settleAll(eventId, 40);
    expect(done.tally).toMatchObject({ total: placed, pending: 0, won: placed });
    expect(done.tally).toEqual(await tallyBets(db.sql, eventId));
    expect(await markSettled(db.sql, eventId)).not.toBeNull();
    expect((await recomputeLedger(db.sql)).ok).toBe(true);
  });

  it('makes a placement wait for a state change in progress, then refuses it', async () => {
    const eventId = await newEvent();
    const userId = await fundedUser(1_000n);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const isLocked = new Promise<void>((resolve) => (locked = resolve));
    const change = db.sql.begin(async (tx) => {
      await tx`select 1 from bet_events where id = ${eventId} for update`;
      locked();
      await released;
      await tx`update bet_events set state = 'cancelled', finished_at = now() where id = ${eventId}`;
    });
    await isLocked;
    let settled = false;
    const waiting = placer.place(bet(userId, eventId, 10n, 'blocked')).finally(() => (settled = true));
    await sleep(200);
    expect(settled).toBe(false);
    release();
    await change;
    expect(await waiting).toMatchObject({ ok: false, error: { code: 'event_not_open' } });
    expect(await available(userId)).toMatchObject({ pending: 0n });
  });
});

describe('settling an event', () => {
  it('settles page by page, each bet once, and notifies each bettor once', async () => {
    const eventId = await newEvent(185n);
    const bettors = await Promise.all(Array.from({ length: 3 }, () => fundedUser(10_000n)));
    for (const [i, userId] of bettors.entries()) {
      for (let k = 0; k < 5; k++) expect((await placer.place(bet(userId, eventId, 1_000n + BigInt(i), `s${k}`))).ok).toBe(true);
    }
    await changeBetEvent(db.sql, eventId, { state: 'finished_win' });
    const house = async () => balanceView(await balanceOf(db.sql, HOUSE_ACCOUNT, 'USD')).posted;
    const houseBefore = await house();

    const first = await settleBetPage(db.sql, eventId, 6);
    expect(first).toMatchObject({ outcome: 'finished_win', settled: 6, tally: { total: 15, pending: 9, won: 6 } });
    const rest = await settleAll(eventId, 6);
    expect(rest.tally).toMatchObject({ total: 15, pending: 0, won: 15 });
    const again = await settleBetPage(db.sql, eventId, 6);
    expect(again).toMatchObject({ settled: 0, tally: { won: 15 } });
    // the tally settlement keeps page by page is the one the bets themselves give
    expect(again.tally).toEqual(await tallyBets(db.sql, eventId));

    // 1000 at 1.85 → 1850; 1001 → 1851 (1851.85 rounded down); 1002 → 1853 (1853.7)
    expect((await available(bettors[0]!)).posted).toBe(10_000n + 5n * 850n);
    expect((await available(bettors[1]!)).posted).toBe(10_000n + 5n * 850n);
    expect((await available(bettors[2]!)).posted).toBe(10_000n + 5n * 851n);
    expect(houseBefore - (await house())).toBe(5n * (850n + 850n + 851n));
    const notices = await notificationsFor(db.sql, bettors[2]!, { limit: 10, kind: 'bet_settled' });
    expect(notices).toHaveLength(5);
    expect(notices[0]).toMatchObject({
      title: expect.stringMatching(/^Your bet #\d+ won 18\.53 USD$/),
      body: { status: 'won', stake: '10.02', payout: '18.53', coefficient: '1.85' },
    });
    expect((await recomputeLedger(db.sql)).ok).toBe(true);
  });

  it('refunds every stake of a cancelled event and gives the house every stake of a lost one', async () => {
    const cancelled = await newEvent(185n, undefined, null); // a line provider may give an event no title
    const lost = await newEvent();
    const userId = await fundedUser(1_000_000n, 'USDT'); // 1 USDT
    expect((await placer.place(bet(userId, cancelled, 250_000n, 'u1', 'USDT'))).ok).toBe(true);
    expect((await placer.place(bet(userId, lost, 300_000n, 'u2', 'USDT'))).ok).toBe(true);
    const other = await fundedUser(500n);
    expect((await placer.place(bet(other, cancelled, 500n, 'o1'))).ok).toBe(true);
    await changeBetEvent(db.sql, cancelled, { state: 'cancelled' });
    await changeBetEvent(db.sql, lost, { state: 'finished_lose' });
    const refunds = await settleAll(cancelled);
    expect(refunds.tally).toEqual({
      total: 2,
      pending: 0,
      won: 0,
      lost: 0,
      refunded: 2,
      currencies: [
        { currency: 'USD', staked: '500', paidOut: '500' },
        { currency: 'USDT', staked: '250000', paidOut: '250000' },
      ],
    });
    expect(refunds.tally).toEqual(await tallyBets(db.sql, cancelled));
    const [refunded] = await notificationsFor(db.sql, userId, { limit: 1, kind: 'bet_settled' });
    expect(refunded!.body).toMatchObject({ status: 'refunded', event_title: `Event #${cancelled}` });
    await expectRendersItsTemplates(db.sql, refunded!);
    expect(await available(other)).toEqual({ posted: 500n, pending: 0n, available: 500n });
    expect((await settleAll(lost)).tally).toMatchObject({
      lost: 1,
      currencies: [{ currency: 'USDT', staked: '300000', paidOut: '0' }],
    });
    expect(await available(userId, 'USDT')).toEqual({ posted: 700_000n, pending: 0n, available: 700_000n });
  });

  it('refuses to settle an event that has no result', async () => {
    const eventId = await newEvent();
    await expect(settleBetPage(db.sql, eventId, 10)).rejects.toThrow(/no result yet/);
    expect(await markSettled(db.sql, eventId)).toBeNull();
  });
});
