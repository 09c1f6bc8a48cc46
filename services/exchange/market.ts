/**
 * One pair's engine host, the single writer of its journal. Commands arriving together are journaled in one SQL
 * transaction with the holds of new orders (group commit), and only then applied to the book, in sequence order.
 * The same transaction settles what the batch before it applied, so each batch costs one commit and no two
 * transactions of the market ever queue on its escrow rows; an idle market settles in a transaction of its own.
 * A placed order is answered once applied (its hold and journal row are committed, so its settlement is certain even
 * after a crash); what its owner and its counterparties read next waits at the read barrier (`settledFor`) until the
 * market has settled every command that touched them. A cancel is answered once settled.
 */
import { DomainError, ErrorCode, type FieldIssue } from '../../domain/errors.js';
import {
  checkOrderFits,
  ORDER_TERMS,
  type CheckedOrder,
  type OrderRequest,
  type OrderTerms,
} from '../../domain/exchange/order-request.js';
import { repeatConflict } from '../../domain/idempotency-keys.js';
import { MarketState, placeCommand, type Applied, type JournalCommand } from '../../domain/exchange/market-state.js';
import type { Pair } from '../../domain/exchange/pairs.js';
import type { BookLevel } from '../../domain/exchange/orders.js';
import { holdGroup, initialFunds } from '../../domain/exchange/settlement.js';
import { BatchQueue, retryOnRace } from '../../platform/db/batch-queue.js';
import { beginWithReads, type Commit } from '../../platform/db/begin-with-reads.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { stageDecisions } from '../ledger/journal.js';
import { numberArray } from '../../platform/db/number-array.js';
import { notifyUsers } from '../notifications/client.js';
import { formatAmountForPeople } from '../../domain/money.js';
import { appendJournal, journalAfter, latestSnapshot, settledSeq, type JournalRow } from './journal.js';
import { toOrder, type StoredOrder } from './orders-store.js';
import {
  armed,
  failTriggers,
  lockPendingTriggers,
  markTriggersFired,
  pendingTriggers,
  triggerById,
  type ArmedTrigger,
} from './triggers-store.js';
import {
  TriggerBook,
  triggerHoldKey,
  triggerOrderKey,
  triggerReleaseKey,
  type TriggerLegKind,
} from '../../domain/exchange/triggers.js';
import type { TransferGroup } from '../../domain/ledger/engine.js';
import {
  checkSettled,
  recordSettlement,
  settle,
  settlementGroups,
  type Settled,
  type SettlementItem,
} from './settlement-writer.js';
import type { MarketFeed } from './market-feed.js';
import { lastTrades } from './last-trades.js';
import { extended } from '../../domain/objects.js';
import { linkOrderCallbacks, orderId, type OrderCallback } from '../orders/client.js';

export interface PlaceSubmission {
  kind: 'place';
  userId: string;
  idempotencyKey: string;
  clientOrderId: string | null;
  request: OrderRequest;
  checked: CheckedOrder;
  /** A fired trigger placing its order (and which of its legs fired): its hold is released into the order's, and it is marked fired. */
  trigger?: { id: number; leg: TriggerLegKind };
  callback?: OrderCallback;
}

export interface CancelSubmission {
  kind: 'cancel';
  userId: string;
  orderId: number;
}

/** Settles what was applied when no order follows to carry it: queued by the market itself. */
interface SettleSubmission {
  kind: 'settle';
}

type Submission = PlaceSubmission | CancelSubmission | SettleSubmission;

/** A command applied to the book whose settlement is still to commit, and the answer of a caller who waits for it. */
interface Unsettled {
  item: SettlementItem;
  answer?: { settled: (order: StoredOrder | undefined) => void; fail: (error: unknown) => void };
}

/** A read waiting until the market has settled through `seq`. */
interface Reader {
  seq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export type Refusal = { code: ErrorCode; message: string; issues?: FieldIssue[] };

/**
 * `order`: the command's order as its settlement left it, when it settled it (else the caller reads it).
 * `triggerFailed`: a fired trigger's order was refused for good, and the trigger ended failed in the same transaction.
 * `rearm`: a fired trigger's order was refused because an operator halted the pair: the trigger stays pending and waits
 * in the trigger book again.
 */
export type SubmitOutcome =
  | { ok: true; orderId: string; replayed: boolean; cancelled?: boolean; order?: StoredOrder }
  | { ok: false; error: Refusal; triggerFailed?: boolean; rearm?: boolean };

/** An order refused because an operator halted its pair (the service's check, and the journal transaction's). */
export const haltRefusal = (pair: string, reason: string): Refusal => ({
  code: ErrorCode.Unavailable,
  message: `${pair} is halted: ${reason}; open orders can still be cancelled`,
});

/**
 * `placed`: a new order's row as stored in the journal transaction, before the engine decides its state. `repeat`: the
 * same request as the batch's command at index `of` under its Idempotency-Key, answered with that one's outcome.
 */
type Journaled =
  | { kind: 'journaled'; row: JournalRow; placed?: StoredOrder }
  | { kind: 'answered'; outcome: SubmitOutcome }
  | { kind: 'repeat'; of: number };

export type TriggerFired = (triggerId: number, orderId: string, leg: TriggerLegKind) => Promise<void>;
export type TriggerFailed = (triggerId: number, reason: ErrorCode) => Promise<void>;

export interface MarketOptions {
  snapshotEvery?: number;
  /** How long an applied batch's settlement waits for an order batch to carry it when no one waits for it (SETTLE_IDLE_MS). */
  settleIdleMs?: number;
  /** Tells a fired trigger's workflow which order it placed. */
  onFired?: TriggerFired;
  /** Tells a fired trigger's workflow that its order was refused for good: it ended failed. */
  onFailed?: TriggerFailed;
}

/** Commands between two snapshots: recovery replays at most this many after the latest one. */
export const SNAPSHOT_EVERY = 10_000;

/**
 * Settlement rides in the next batch's transaction; with nobody waiting for it, it waits this long for one before it
 * takes a transaction of its own. Clients answered by a batch send their next orders within a few milliseconds: settling
 * at once took a transaction of its own again and again (bench/orders.ts at 32 clients: batches of 15 and 17 orders
 * and one of settlement alone, three transactions per 32 orders). A cancel's caller and a reader at the barrier have
 * it settled at once; the remote barrier and the private channels may wait this much more.
 */
export const SETTLE_IDLE_MS = 10;

export class Market {
  private readonly journal: BatchQueue<Submission, Promise<SubmitOutcome>>;
  /** Resolves once the batch in flight has committed and applied (or failed). */
  private previous: Promise<void> = Promise.resolve();
  private unsettled: Unsettled[] = [];
  private settleQueued = false;
  /** Queues a settle turn if no batch has taken the settlement by then (settleLater). */
  private settleTimer: NodeJS.Timeout | undefined;
  /** The last command settled, and per user the last applied command that changed one of their orders until settled. */
  private settledSeq: number;
  private readonly lastTouched = new Map<string, number>();
  private readers: Reader[] = [];
  /** Why settlement stopped (journaling or settling failed): readers cannot be promised the settled state. */
  private broken: Error | null = null;
  private halted: string | null = null;
  private readonly triggers = new TriggerBook<ArmedTrigger>();

  private constructor(
    private readonly sql: Sql,
    private readonly state: MarketState,
    private readonly log: Logger,
    readonly feed: MarketFeed,
    private readonly snapshotEvery: number,
    private readonly onFired: TriggerFired,
    private readonly onFailed: TriggerFailed,
    private readonly settleIdleMs: number,
  ) {
    // one batch at a time until it sends COMMIT: the next one starts then, with every order that arrived meanwhile, and
    // its first round trip overlaps that COMMIT (journalAfter). Started as soon as the one before it was (two in flight
    // at any time), the next took the first few orders to arrive, and the rest waited for a third: batches of 25, 6
    // and 1 per 32 clients (bench/orders.ts), each a transaction.
    this.journal = new BatchQueue((batch, release) => this.journalBatch(batch, release), 500, 1);
    // open() settled everything it replayed
    this.settledSeq = state.seq;
  }

  /** Rebuilds the market from its latest snapshot and journal, and settles whatever was applied but not settled. */
  static async open(sql: Sql, pair: Pair, log: Logger, feed: MarketFeed, options: MarketOptions = {}): Promise<Market> {
    const snapshot = await latestSnapshot(sql, pair.code);
    const state = new MarketState(pair, snapshot?.state);
    const settled = await settledSeq(sql, pair.code);
    let unsettled: SettlementItem[] = [];
    const flush = async () => {
      if (unsettled.length > 0) await retryOnRace(() => sql.begin((tx) => settle(tx, pair, unsettled)));
      unsettled = [];
    };
    for await (const row of journalAfter(sql, pair.code, state.seq)) {
      const applied = state.apply(row.seq, row.command);
      if (applied.seq > settled) unsettled.push({ applied, at: row.at });
      if (unsettled.length >= 1_000) await flush();
    }
    await flush();
    log.info({ pair: pair.code, seq: state.seq, settled, hash: state.stateHash() }, 'market recovered from its journal');
    // every trade replayed is settled now, so the stored last one is the ticker's last price
    const [last] = await lastTrades(sql, [pair.code]);
    if (last) feed.recoveredLastTrade(pair, last.price);
    const market = new Market(
      sql,
      state,
      log,
      feed,
      options.snapshotEvery ?? SNAPSHOT_EVERY,
      options.onFired ?? (async () => {}),
      options.onFailed ?? (async () => {}),
      options.settleIdleMs ?? SETTLE_IDLE_MS,
    );
    for (const trigger of await pendingTriggers(sql, pair.code)) market.arm(armed(trigger));
    return market;
  }

  get pair(): Pair {
    return this.state.pair;
  }

  stateHash(): { seq: number; hash: string } {
    return { seq: this.state.seq, hash: this.state.stateHash() };
  }

  /** The book's best levels now, and the number of the last update published: what a subscriber starts from. */
  bookSnapshot(depth: number): { seq: number; bids: BookLevel[]; asks: BookLevel[] } {
    return { seq: this.state.bookSeq, bids: this.levels('buy', depth), asks: this.levels('sell', depth) };
  }

  levels(side: 'buy' | 'sell', depth: number) {
    return this.state.levels(side, depth);
  }

  async submit(submission: PlaceSubmission | CancelSubmission): Promise<SubmitOutcome> {
    if (this.halted) return unavailable(this.pair.code, this.halted);
    return this.journal.submit(submission).then((settled) => settled);
  }

  /** Adds a pending trigger's legs to this market's trigger book. */
  arm(legs: ArmedTrigger[]): void {
    for (const leg of legs) this.triggers.add(leg);
  }

  disarm(triggerId: number): void {
    this.triggers.remove(triggerId);
  }

  halt(reason: string): void {
    this.halted = reason;
  }

  /**
   * The read barrier: resolves once every command applied so far that changed one of `userId`'s orders (their own
   * or one their order traded against) is settled, so a read after it sees the balances, order rows and trades the
   * engine decided. Undefined when nothing is pending, the usual case: a read then waits for nothing.
   */
  settledFor(userId: string): Promise<void> | undefined {
    const seq = this.lastTouched.get(userId);
    if (seq === undefined) return undefined;
    return this.settledAt(seq);
  }

  /** Resolves once every command applied so far is settled: a market handing over to another process waits for it. */
  drained(): Promise<void> {
    return this.settledSeq >= this.state.seq ? Promise.resolve() : this.settledAt(this.state.seq);
  }

  private settledAt(seq: number): Promise<void> {
    if (this.broken) return Promise.reject(this.unsettledError());
    const settled = new Promise<void>((resolve, reject) => this.readers.push({ seq, resolve, reject }));
    // a reader waiting for a command no batch has taken yet has it settled now, without waiting for orders to carry it
    if (this.unsettled.length > 0 && this.unsettled[0]!.item.applied.seq <= seq) this.settleNow();
    return settled;
  }

  private unsettledError(): DomainError {
    return new DomainError(ErrorCode.Unavailable, `${this.pair.code} stopped settling; it resumes once its engine recovers`);
  }

  /** Settled through `seq`: wakes the readers that waited for it and forgets the users it caught up with. */
  private settledThrough(seq: number): void {
    this.settledSeq = seq;
    for (const [user, touched] of this.lastTouched) if (touched <= seq) this.lastTouched.delete(user);
    const waiting = this.readers;
    this.readers = [];
    for (const reader of waiting) {
      if (reader.seq <= seq) reader.resolve();
      else this.readers.push(reader);
    }
  }

  private stopSettling(error: unknown): void {
    this.broken = error instanceof Error ? error : new Error(String(error));
    const waiting = this.readers;
    this.readers = [];
    for (const reader of waiting) reader.reject(this.unsettledError());
  }

  /**
   * One transaction: settles what the previous batch applied, then holds and journals this one; then applies this
   * batch to the book, whose settlement the next transaction carries.
   */
  private async journalBatch(submitted: Submission[], release: () => void): Promise<Array<Promise<SubmitOutcome>>> {
    const previous = this.previous;
    let finished!: () => void;
    this.previous = new Promise<void>((resolve) => (finished = resolve));
    try {
      return await this.journalAfter(previous, submitted, release);
    } finally {
      finished();
    }
  }

  /**
   * Two batches overlap by one round trip: this one's BEGIN and first reads go out while `previous` commits, and
   * everything else waits until `previous` has committed and applied (this batch settles it, numbers its commands
   * after it, and its ledger reads must see it). A first read missing an Idempotency-Key the previous batch was
   * storing is caught by the orders' unique key: the insert fails and the transaction runs again.
   */
  private async journalAfter(
    previous: Promise<void>,
    submitted: Submission[],
    release: () => void,
  ): Promise<Array<Promise<SubmitOutcome>>> {
    let turn: { halted: string | null; batch: Submission[]; settling: Unsettled[] } | undefined;
    // taken once, after `previous`, whatever attempt gets there
    const take = () => {
      if (turn) return turn;
      // a halted market journals nothing more, but still settles what it applied (settling again is a no-op)
      const halted = this.halted;
      turn = {
        halted,
        batch: halted ? submitted.map(() => ({ kind: 'settle' })) : submitted,
        settling: this.unsettled,
      };
      this.unsettled = [];
      // this batch carries the settlement: no turn of its own for it
      clearTimeout(this.settleTimer);
      this.settleTimer = undefined;
      if (submitted.some((s) => s.kind === 'settle')) this.settleQueued = false;
      return turn;
    };
    let journaled: Journaled[];
    let settled: Settled;
    try {
      const places = this.halted ? [] : submitted.filter((s): s is PlaceSubmission => s.kind === 'place');
      ({ settled, journaled } = await retryOnRace(() =>
        beginWithReads(
          this.sql,
          (tx) => placedBefore(tx, this.pair.code, places),
          async (tx, placed, commit) => {
            await previous;
            const { batch, settling } = take();
            // the next batch may start once this one's COMMIT is on its way
            const committing = () => {
              const committed = commit();
              release();
              return committed;
            };
            return this.journalInTx(
              tx,
              settling.map((u) => u.item),
              batch,
              placed,
              committing,
            );
          },
        ),
      ));
    } catch (error) {
      await previous;
      const { settling } = take();
      // the journal may or may not hold this batch now: only a replay of it can say what the book is
      this.halt('journaling failed; restart to recover from the journal');
      this.log.error({ err: error, pair: this.pair.code }, 'journaling or settlement failed: market halted');
      this.stopSettling(error);
      for (const u of settling) u.answer?.fail(error);
      throw error;
    }
    const { halted, batch, settling } = take();
    if (settling.length > 0) {
      this.settledThrough(settling.at(-1)!.item.applied.seq);
      this.feed.settled(
        this.pair,
        settling.map((u) => u.item.applied),
        settled.candles,
      );
      for (const u of settling) u.answer?.settled(settled.orders.get(u.item.applied.orderId));
    }
    const answers: Array<Promise<SubmitOutcome>> = [];
    const answer = (j: Journaled, i: number): Promise<SubmitOutcome> => {
      if (halted && submitted[i]!.kind !== 'settle') return Promise.resolve(unavailable(this.pair.code, halted));
      if (j.kind === 'answered') return Promise.resolve(j.outcome);
      // its first comes earlier in the batch: its answer is in `answers` already
      if (j.kind === 'repeat') return answers[j.of]!.then(asReplay);
      const applied = this.state.apply(j.row.seq, j.row.command);
      for (const o of applied.orders) this.lastTouched.set(o.userId, applied.seq);
      this.feed.applied(this.pair, applied, this.state.best());
      const last = applied.trades.at(-1);
      if (last) this.fireCrossed(BigInt(last.price) * this.pair.tickSize);
      const snapshot =
        applied.seq % this.snapshotEvery === 0 ? { state: this.state.snapshot(), hash: this.state.stateHash() } : undefined;
      const item = { applied, at: j.row.at, snapshot };
      if (j.placed) {
        // held and journaled: the engine's decision is final, and the journal settles it whatever crashes
        this.unsettled.push({ item });
        return Promise.resolve(placedOutcome(applied, j.placed));
      }
      return new Promise<SubmitOutcome>((resolve, reject) =>
        this.unsettled.push({
          item: extended(item, { answered: true }),
          answer: { settled: (order) => resolve(outcomeOf(applied, batch[i]!, order)), fail: reject },
        }),
      );
    };
    journaled.forEach((j, i) => answers.push(answer(j, i)));
    this.settleLater();
    return answers;
  }

  /**
   * What this batch applied settles with the next batch of orders; a cancel's caller waits for it, so then it settles at
   * once, and if no batch takes it within `settleIdleMs`, a turn of its own settles it. A batch that takes it clears the
   * timer (take, in journalAfter), so under steady orders no turn of settlement alone is queued.
   */
  private settleLater(): void {
    if (this.unsettled.length === 0 || this.settleQueued || this.settleTimer) return;
    if (this.unsettled.some((u) => u.answer)) return this.settleNow();
    this.settleTimer = setTimeout(() => {
      this.settleTimer = undefined;
      this.settleNow();
    }, this.settleIdleMs);
  }

  /** Queues a turn that settles what was applied and not yet taken by a batch (it joins any orders queued with it). */
  private settleNow(): void {
    if (this.unsettled.length === 0 || this.settleQueued) return;
    clearTimeout(this.settleTimer);
    this.settleTimer = undefined;
    this.settleQueued = true;
    // its failure halts the market and reaches the callers it settles for
    this.journal.submit({ kind: 'settle' }).catch(() => {});
  }

  /** Fires the legs the last price crossed; the first leg of a trigger takes an OCO's other leg out of the book with it. */
  private fireCrossed(lastPrice: bigint): void {
    const fired = new Set<number>();
    for (const leg of this.triggers.crossed(lastPrice)) {
      if (fired.has(leg.id)) continue;
      fired.add(leg.id);
      this.triggers.remove(leg.id);
      void this.fire(leg);
    }
  }

  /**
   * Places a fired trigger's order through the same path as the API, then tells its workflow (and only it). An order
   * refused for good (it no longer fits the pair, the pair is disabled, the ledger refuses its hold) ends the trigger
   * failed, its hold released; a refusal that may pass (this engine halted, journaling failed) leaves it pending, and
   * the recovery that a halted engine needs anyway arms it again from its row.
   */
  private async fire(trigger: ArmedTrigger): Promise<void> {
    try {
      const checked = this.checkFired(trigger);
      const outcome =
        'refused' in checked
          ? await this.failFired(trigger, checked.refused)
          : await this.submit({
              kind: 'place',
              userId: trigger.userId,
              idempotencyKey: triggerOrderKey(trigger.id),
              clientOrderId: null,
              request: trigger.request,
              checked,
              trigger: { id: trigger.id, leg: trigger.kind },
            });
      if (outcome.ok) return await this.onFired(trigger.id, outcome.orderId, trigger.kind);
      this.log.info({ trigger: trigger.id, reason: outcome.error.message }, 'a trigger that fired placed no order');
      if (outcome.triggerFailed) await this.onFailed(trigger.id, outcome.error.code);
      if (outcome.rearm) await this.rearm(trigger.id);
    } catch (error) {
      this.log.error({ err: error, trigger: trigger.id }, 'placing a fired trigger failed');
    }
  }

  /**
   * A trigger that fired while its pair was halted: still pending (unless cancelled meanwhile), its legs wait again, so
   * the first trade after the resume that reaches its price fires it. Read from its row, which has every leg of an OCO.
   */
  private async rearm(triggerId: number): Promise<void> {
    const trigger = await triggerById(this.sql, String(triggerId));
    if (trigger?.status === 'pending') this.arm(armed(trigger));
  }

  /** The fired trigger's order checked against the pair now (its sizes may have changed since it was stored). */
  private checkFired(trigger: ArmedTrigger): CheckedOrder | { refused: Refusal } {
    try {
      return checkOrderFits(this.pair, trigger.request);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { refused: { code: error.code, message: error.message } };
    }
  }

  private async failFired(trigger: ArmedTrigger, refused: Refusal): Promise<SubmitOutcome> {
    await this.sql.begin((tx) => failTriggers(tx, [{ id: trigger.id, reason: refused.code }]));
    return { ok: false, error: refused, triggerFailed: true };
  }

  /**
   * Settles what was applied before (its ledger groups first, then the holds: a seller's proceeds can fund their next
   * buy), then holds new orders' funds, stores them and journals every accepted command, numbered from the last
   * applied. The writes of both go out together, COMMIT with them: one round trip.
   */
  private async journalInTx(
    tx: Tx,
    settling: SettlementItem[],
    batch: Submission[],
    { existing, ids, startedAt, halted }: Placed,
    commit: Commit,
  ): Promise<{ settled: Settled; journaled: Journaled[] }> {
    const results: Journaled[] = new Array(batch.length);
    const fresh: Array<{ index: number; id: number; submission: PlaceSubmission }> = [];
    const seen = new Map<string, number>();
    batch.forEach((s, index) => {
      if (s.kind !== 'place') return;
      const key = `${s.userId}\n${s.idempotencyKey}`;
      const first = existing.get(key);
      const twin = seen.get(key);
      if (first) results[index] = { kind: 'answered', outcome: replayOrConflict(this.pair.code, s, first) };
      else if (twin !== undefined) results[index] = repeatInBatch(this.pair.code, s, batch[twin] as PlaceSubmission, twin);
      else if (halted !== null)
        results[index] = {
          kind: 'answered',
          outcome: { ok: false, error: haltRefusal(this.pair.code, halted), rearm: !!s.trigger },
        };
      else {
        seen.set(key, index);
        fresh.push({ index, id: ids[fresh.length]!, submission: s });
      }
    });

    const triggers = await lockPendingTriggers(
      tx,
      fresh.flatMap((f) => (f.submission.trigger ? [f.submission.trigger.id] : [])),
    );
    const placeable = fresh.filter((f) => !f.submission.trigger || triggers.pending.has(f.submission.trigger.id));
    for (const f of fresh) {
      if (placeable.includes(f)) continue;
      results[f.index] = {
        kind: 'answered',
        outcome: triggers.failed.has(f.submission.trigger!.id)
          ? {
              ok: false,
              error: { code: ErrorCode.PairDisabled, message: `${this.pair.code} is not trading` },
              triggerFailed: true,
            }
          : { ok: false, error: { code: ErrorCode.Conflict, message: 'the trigger is no longer pending' } },
      };
    }
    const settlement = settlementGroups(settling);
    const groups = [...settlement, ...placeable.map((f) => orderHoldGroup(f.id, f.submission, this.pair.code))];
    const staged = groups.length > 0 ? stageDecisions(tx, groups) : Promise.resolve({ decided: [], written: Promise.resolve() });
    // the settlement's rows need no ledger answer: they go out with the ledger's reads and locks, in one round trip
    const recorded = recordSettlement(tx, this.pair, settling);
    // awaited below; whatever throws before that rolls the transaction back, this rejection with it
    recorded.catch(() => {});
    const { decided, written } = await staged;
    checkSettled(this.pair, decided.slice(0, settlement.length));
    const holds = decided.slice(settlement.length);
    let seq = this.state.seq;
    const rows: JournalRow[] = [];
    const accepted: Accepted[] = [];
    const refusedFunds: PlaceSubmission[] = [];
    const refusedTriggers: Array<{ id: number; reason: ErrorCode }> = [];
    const journal = (index: number, command: JournalCommand) => {
      const row = { seq: ++seq, command, at: startedAt };
      rows.push(row);
      results[index] = { kind: 'journaled', row };
      return row.seq;
    };
    const heldAt = new Map(placeable.map((f, n) => [f.index, extended(f, { hold: holds[n]! })]));
    batch.forEach((s, index) => {
      if (s.kind === 'settle') {
        results[index] = { kind: 'answered', outcome: { ok: true, orderId: '', replayed: false } };
        return;
      }
      if (s.kind === 'cancel') {
        journal(index, { kind: 'cancel', id: s.orderId, owner: s.userId });
        return;
      }
      const f = heldAt.get(index);
      if (!f) return;
      if (!f.hold.ok) {
        const error = { code: f.hold.error.code, message: f.hold.error.message };
        // a fired trigger's refused hold ends the trigger (its own hold is released); a client's order is refused
        if (s.trigger) refusedTriggers.push({ id: s.trigger.id, reason: error.code });
        else if (error.code === ErrorCode.InsufficientFunds) refusedFunds.push(s);
        results[index] = { kind: 'answered', outcome: { ok: false, error, triggerFailed: !!s.trigger } };
        return;
      }
      const command = placeCommand(extended(s.checked.order, { id: f.id, owner: s.userId }), s.checked.hold);
      accepted.push({ id: f.id, submission: s, seq: journal(index, command), index });
    });
    const fired = accepted.flatMap((a) =>
      a.submission.trigger ? [{ triggerId: a.submission.trigger.id, orderId: a.id, leg: a.submission.trigger.leg }] : [],
    );
    const callbacks = accepted.flatMap(({ id, submission: { userId, callback } }) =>
      callback ? [{ id: orderId('ord', id), userId, callback }] : [],
    );
    // pipelined with the ledger's writes (one round trip); a trigger is marked fired after its order row exists
    // (order_id references it)
    const lastWrites = Promise.all([
      recorded,
      written,
      insertOrders(tx, this.pair.code, accepted),
      markTriggersFired(tx, fired),
      appendJournal(tx, this.pair.code, rows),
      notifyUsers(
        tx,
        refusedFunds.map((s) => refusalNotice(this.pair, s)),
      ),
    ]);
    // awaited below, unless `recorded` throws first: that rolls the transaction back, this rejection with it
    lastWrites.catch(() => {});
    // COMMIT right behind them, once nothing is left to send: a trigger fired or failed, and a new order's callback, send
    // more after answers, and so does the settlement (the orders' callbacks), done once `recorded` resolves. A write that
    // fails turns it into a rollback. Triggers firing and callbacks are rare, and their transaction commits after its
    // last answer, as before.
    if (fired.length === 0 && refusedTriggers.length === 0 && callbacks.length === 0) {
      await recorded;
      void commit();
    }
    const [settled] = await lastWrites;
    await failTriggers(tx, refusedTriggers);
    // after insertOrders: each callback is told its order's first state, `new`, before the engine can change it
    if (callbacks.length > 0) await linkOrderCallbacks(tx, callbacks);
    for (const a of accepted) {
      (results[a.index] as Extract<Journaled, { kind: 'journaled' }>).placed = newOrderRow(this.pair.code, a, startedAt!);
    }
    return { settled, journaled: results };
  }
}

/** Tells a client whose order the ledger refused for want of funds. */
function refusalNotice(pair: Pair, s: PlaceSubmission) {
  return {
    eventId: `order-refused:${s.userId}:${s.idempotencyKey}`,
    userId: s.userId,
    type: 'order_refused' as const,
    severity: 'warning' as const,
    title: `Your ${s.request.side} order on ${pair.code} was refused: insufficient funds`,
    data: {
      pair: pair.code,
      side: s.request.side,
      currency: s.checked.hold.currency,
      // a buy holds quote, a sell base
      needed: formatAmountForPeople(s.checked.hold.amount, s.request.side === 'buy' ? pair.quoteScale : pair.baseScale),
    },
  };
}

/** A new order accepted into the journal: its id, its number in the journal and its place in the batch. */
interface Accepted {
  id: number;
  submission: PlaceSubmission;
  seq: number;
  index: number;
}

/** The row insertOrders stores (the engine has not run yet: no fills, all held). */
function newOrderRow(pair: string, a: Accepted, createdAt: Date): StoredOrder {
  const { request, checked } = a.submission;
  return {
    id: String(a.id),
    userId: a.submission.userId,
    pair,
    side: request.side,
    type: request.type,
    price: request.price,
    amount: request.amount,
    quoteAmount: request.quoteAmount,
    timeInForce: request.timeInForce,
    postOnly: request.postOnly,
    clientOrderId: a.submission.clientOrderId,
    idempotencyKey: a.submission.idempotencyKey,
    holdCurrency: checked.hold.currency,
    holdAmount: checked.hold.amount,
    status: 'new',
    reason: null,
    filledAmount: 0n,
    filledQuote: 0n,
    fee: 0n,
    held: checked.hold.amount,
    seq: String(a.seq),
    cancelledBy: null,
    createdAt,
    updatedAt: createdAt,
  };
}

/**
 * A placed order's answer: its row as settlement will write it, the engine's decision applied to the row just stored
 * (settlement's updated_at is its own transaction's time, so the answer keeps the row's creation time there).
 */
function placedOutcome(applied: Applied, row: StoredOrder): SubmitOutcome {
  const funds = applied.orders.find((o) => o.orderId === applied.orderId);
  const order: StoredOrder = funds
    ? {
        ...row,
        status: funds.status,
        reason: funds.reason,
        filledAmount: funds.filledBase,
        filledQuote: funds.filledQuote,
        fee: funds.fee,
        held: funds.held,
      }
    : row;
  return { ok: true, orderId: row.id, replayed: false, order };
}

/**
 * The orders already stored under the batch's Idempotency-Keys, ids for the new ones, the transaction's start (the
 * created_at its new order rows get: now() is the same all through a transaction), and why an operator halted the
 * pair (null: trading).
 */
interface Placed {
  existing: Map<string, StoredOrder>;
  ids: number[];
  startedAt: Date | null;
  halted: string | null;
}

/**
 * The first statements of a batch's transaction, sent with its BEGIN: reads, and ids drawn (a sequence, which no
 * rollback takes back anyway). The halt flag is read too, so no batch begun after an operator's halt committed places
 * an order (the API's cache of it is up to a second old). Read without a lock: two batches' reads are sent at once and
 * may reach PostgreSQL in either order, and the later one holding the market's row while it waits for the earlier
 * would wait for ever; a batch in flight as the halt commits was asked for before it.
 */
async function placedBefore(tx: Tx, pair: string, places: PlaceSubmission[]): Promise<Placed> {
  // no order is inserted: no row's time to know, no halt to respect
  if (places.length === 0) return { existing: new Map(), ids: [], startedAt: null, halted: null };
  // one lookup per key (lateral, limit 1: the pair is unique): a join was hashed against the whole orders table
  // while its statistics were those of a smaller one, a cost growing with the table
  const [stored, drawn] = await Promise.all([
    tx`
      select o.* from unnest(${tx.array(places.map((p) => p.userId))}::uuid[], ${tx.array(places.map((p) => p.idempotencyKey))}::text[])
        as k(user_id, idempotency_key)
      cross join lateral (
        select * from orders o where o.user_id = k.user_id and o.idempotency_key = k.idempotency_key limit 1) o`,
    tx`
      select array(select nextval('orders_id_seq')::int8 from generate_series(1, ${places.length})) as ids, now() as started_at,
        (select halted from exchange_markets where pair = ${pair}) as halted`,
  ]);
  return {
    existing: new Map(stored.map((r) => [`${r.userId}\n${r.idempotencyKey}`, toOrder(r)])),
    ids: ((drawn[0]?.ids ?? []) as Array<string | number>).map(Number),
    startedAt: drawn[0]!.startedAt as Date,
    halted: (drawn[0]!.halted as string | null) ?? null,
  };
}

/** An order's hold; a fired trigger's order takes over the trigger's hold in the same group, so no one can spend it between. */
function orderHoldGroup(orderId: number, s: PlaceSubmission, pair: string): TransferGroup {
  const group = holdGroup(initialFunds(orderId, s.userId, s.checked.order.side, s.checked.hold), pair);
  if (!s.trigger) return group;
  return {
    transfers: [
      { kind: 'void', key: triggerReleaseKey(s.trigger.id), pendingKey: triggerHoldKey(s.trigger.id) },
      ...group.transfers,
    ],
  };
}

const unavailable = (pair: string, halted: string): SubmitOutcome => ({
  ok: false,
  error: { code: ErrorCode.Unavailable, message: `${pair} is halted: ${halted}` },
});

function outcomeOf(applied: Applied, submission: Submission, order: StoredOrder | undefined): SubmitOutcome {
  if (applied.kind === 'place') return { ok: true, orderId: String(applied.orderId), replayed: false, order };
  if (applied.result.ok) return { ok: true, orderId: String(applied.orderId), replayed: false, cancelled: true, order };
  return {
    ok: false,
    error: { code: ErrorCode.OrderNotOpen, message: `order ${(submission as CancelSubmission).orderId} is no longer open` },
  };
}

/** The same key again, on this market's pair: the stored order if the whole request is the same, a conflict otherwise. */
function replayOrConflict(pair: string, s: PlaceSubmission, order: StoredOrder): SubmitOutcome {
  const conflict = repeatConflict(s.idempotencyKey, 'order', order, termsOf(pair, s), ORDER_TERMS);
  return conflict ? { ok: false, error: conflict } : { ok: true, orderId: order.id, replayed: true };
}

/**
 * The same key again in the batch of its first request, still in flight: the same request waits for the first's outcome
 * (a replay: no second order, no second hold), a different one is a conflict naming what differs.
 */
function repeatInBatch(pair: string, s: PlaceSubmission, first: PlaceSubmission, of: number): Journaled {
  const conflict = repeatConflict(s.idempotencyKey, 'order', termsOf(pair, first), termsOf(pair, s), ORDER_TERMS);
  return conflict ? { kind: 'answered', outcome: { ok: false, error: conflict } } : { kind: 'repeat', of };
}

const termsOf = (pair: string, s: PlaceSubmission): OrderTerms => extended(s.request, { pair, clientOrderId: s.clientOrderId });

/** A repeat's answer: its first's, a new order's marked replayed (a refusal is the repeat's too: nothing was stored). */
const asReplay = (first: SubmitOutcome): SubmitOutcome => (first.ok ? { ...first, replayed: true } : first);

/**
 * Stores the accepted orders (created_at: the transaction's start) and lists them as open (`open_orders`, migration
 * 983: settlement removes them once closed) in the same statement.
 */
async function insertOrders(tx: Tx, pair: string, rows: Accepted[]): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(f: (r: (typeof rows)[number]) => T) => tx.array(rows.map(f) as never[]);
  const numbers = (f: (r: (typeof rows)[number]) => number | bigint | boolean | null) => numberArray(rows.map(f));
  await tx`
    with stored as (
    insert into orders (id, user_id, pair, side, type, price, amount, quote_amount, time_in_force, post_only, client_order_id,
      idempotency_key, hold_currency, hold_amount, held, seq)
    select u.id, u.user_id, ${pair}, u.side, u.type, u.price, u.amount, u.quote_amount, u.tif, u.post_only, u.client_order_id,
      u.idempotency_key, u.hold_currency, u.hold_amount, u.hold_amount, u.seq
    from unnest(
      ${numbers((r) => r.id)}::bigint[], ${col((r) => r.submission.userId)}::uuid[], ${col((r) => r.submission.request.side)}::text[],
      ${col((r) => r.submission.request.type)}::text[], ${numbers((r) => r.submission.request.price)}::numeric[],
      ${numbers((r) => r.submission.request.amount)}::numeric[], ${numbers((r) => r.submission.request.quoteAmount)}::numeric[],
      ${col((r) => r.submission.request.timeInForce)}::text[], ${numbers((r) => r.submission.request.postOnly)}::boolean[],
      ${col((r) => r.submission.clientOrderId)}::text[], ${col((r) => r.submission.idempotencyKey)}::text[],
      ${col((r) => r.submission.checked.hold.currency)}::text[], ${numbers((r) => r.submission.checked.hold.amount)}::numeric[],
      ${numbers((r) => r.seq)}::bigint[])
      as u(id, user_id, side, type, price, amount, quote_amount, tif, post_only, client_order_id, idempotency_key, hold_currency, hold_amount, seq)
    returning id, pair)
    insert into open_orders (id, pair) select id, pair from stored`;
}
