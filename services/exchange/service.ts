/** The exchange's application layer: checks an order against its pair, routes it to the pair's engine, reads back. */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { moreThanAvailable } from '../../domain/ledger/engine.js';
import {
  checkOrder,
  ORDER_TERMS,
  type CheckedOrder,
  type OrderRequest,
  type OrderTerms,
} from '../../domain/exchange/order-request.js';
import type { Pair } from '../../domain/exchange/pairs.js';
import type { Sql } from '../../platform/db/client.js';
import type { Markets } from './markets.js';
import type { MarketFeed } from './market-feed.js';
import { haltRefusal, type Refusal, type SubmitOutcome } from './market.js';
import { orderById, orderByIdempotencyKey, recordCancelledBy, type StoredOrder } from './orders-store.js';
import { loadPairs } from './pairs-store.js';
import { heldFunds, replayJournal } from './journal.js';
import { RemoteBarrier } from './remote-barrier.js';
import { haltedMarkets } from './checkpoint.js';
import { cancelTriggerOrder, triggerOutbox } from './client.js';
import {
  armed,
  insertTrigger,
  triggerById,
  triggerByIdempotencyKey,
  type PlaceTrigger,
  type StoredTrigger,
} from './triggers-store.js';
import { checkTrigger, TRIGGER_TERMS, triggerLegs } from '../../domain/exchange/triggers.js';
import { repeatConflict } from '../../domain/idempotency-keys.js';
import { storeThenStart } from '../../platform/temporal/start-after-commit.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import type { Logger } from '../../platform/log.js';
import { extended } from '../../domain/objects.js';
import { linkOrderCallbacks, orderId, type OrderCallback } from '../orders/client.js';

const PAIRS_TTL_MS = 1_000;

export interface PlaceOrder extends OrderRequest {
  userId: string;
  pair: string;
  clientOrderId: string | null;
  idempotencyKey: string;
  /** Linked to the order in the transaction that stores it, so every state the order reaches is told. */
  callback?: OrderCallback;
}

export class ExchangeService {
  constructor(
    private readonly sql: Sql,
    private readonly markets: Markets,
    /** Trigger orders have workflows: without Temporal (some tests) they are unavailable. */
    private readonly workflows?: { temporal: TemporalTarget; log: Logger },
  ) {
    this.remote = new RemoteBarrier(sql);
  }

  private readonly remote: RemoteBarrier;
  private cached: { at: number; markets: Promise<{ pairs: Map<string, Pair>; halted: Map<string, string> }> } | null = null;

  /** Pairs and halts, read again after a second: an operator's change stops new orders within that. */
  private catalog(): Promise<{ pairs: Map<string, Pair>; halted: Map<string, string> }> {
    if (!this.cached || Date.now() - this.cached.at > PAIRS_TTL_MS) {
      const markets = Promise.all([loadPairs(this.sql), haltedMarkets(this.sql)]).then(([list, halted]) => ({
        pairs: new Map(list.map((p) => [p.code, p])),
        halted,
      }));
      markets.catch(() => (this.cached = null));
      this.cached = { at: Date.now(), markets };
    }
    return this.cached.markets;
  }

  async pairs(): Promise<Map<string, Pair>> {
    return (await this.catalog()).pairs;
  }

  async pair(code: string): Promise<Pair> {
    const pair = (await this.pairs()).get(code);
    if (!pair)
      throw new DomainError(ErrorCode.UnknownPair, `no pair ${code}`, [{ path: 'pair', message: 'is not a pair we trade' }]);
    return pair;
  }

  /**
   * The read barrier (ARCHITECTURE.md, "Exchange"): a placed order is answered before it is settled, so whatever reads
   * or spends a user's balances, orders or trades first waits here until every market has settled each command that
   * touched that user (in this process, an in-memory check that waits for nothing in the usual case; a market
   * another process runs, through its journal and settled sequence number). `exceptPair`: that market orders the
   * caller's command after its settlement itself.
   */
  settledFor(userId: string, exceptPair?: string): Promise<void> | undefined {
    // Every request behind the `funds` guard (transfers, bets, balances) passes here, and usually nothing is to be
    // waited for: then, once the catalog is known, this answers undefined, with no promise and no list of pairs made.
    const catalog = this.catalog();
    const known = this.settledCatalog;
    if (known?.of === catalog) return this.settledOn(known.codes, userId, exceptPair);
    return catalog.then(({ pairs }) => {
      const codes = [...pairs.keys()];
      this.settledCatalog = { of: catalog, codes };
      return this.settledOn(codes, userId, exceptPair);
    });
  }

  /** The pair codes of the catalog settledFor last read (`of`, the promise `catalog()` answered with). */
  private settledCatalog: { of: ReturnType<ExchangeService['catalog']>; codes: readonly string[] } | null = null;

  private settledOn(codes: readonly string[], userId: string, exceptPair: string | undefined): Promise<void> | undefined {
    let waits = this.markets.settledFor(userId, exceptPair);
    // every pair this process does not run (the same set for every caller, so one check serves them all)
    let elsewhere: string[] | undefined;
    for (let i = 0; i < codes.length; i++) if (!this.markets.get(codes[i]!)) (elsewhere ??= []).push(codes[i]!);
    if (elsewhere)
      (waits ??= []).push(
        this.remote.settled(elsewhere).then((settled) => {
          if (!settled) throw new DomainError(ErrorCode.Unavailable, 'a market is settling late; retry shortly');
        }),
      );
    if (!waits) return undefined;
    return waits.length === 1 ? waits[0] : Promise.all(waits).then(() => undefined);
  }

  async place(order: PlaceOrder): Promise<{ order: StoredOrder; replayed: boolean }> {
    const pair = await this.pair(order.pair);
    let checked: CheckedOrder;
    try {
      checked = checkOrder(pair, order);
      // the market's journal transaction reads the flag again: this saves a halted pair's orders the trip there
      const halted = (await this.catalog()).halted.get(pair.code);
      if (halted) throw refused(haltRefusal(pair.code, halted));
    } catch (refusal) {
      return this.storedOrRefused(order, refusal);
    }
    // the hold may spend what another market's trades brought in; this market settles before it holds
    await this.settledFor(order.userId, pair.code);
    const outcome = await this.market(pair.code).submit({
      kind: 'place',
      userId: order.userId,
      idempotencyKey: order.idempotencyKey,
      clientOrderId: order.clientOrderId,
      request: order,
      checked,
      callback: order.callback,
    });
    // a replay of a stored order reads it, which the first answer may be ahead of, once settled; a repeat of a request
    // in the same batch carries the first's answer
    if (outcome.ok && outcome.replayed && !outcome.order) await this.settledFor(order.userId);
    return { order: await this.settledOrder(outcome, fundedBy(order)), replayed: outcome.ok && outcome.replayed };
  }

  /**
   * A refusal from the pair as it is now (disabled, halted, its sizes changed) does not answer a repeat of an order
   * stored before it under the same Idempotency-Key: that order exists, may still hold funds, and is the answer (or
   * a 409 when the repeat asks for something else), as for any repeat. Without one, the refusal stands.
   */
  private async storedOrRefused(order: PlaceOrder, refusal: unknown): Promise<{ order: StoredOrder; replayed: true }> {
    if (!(refusal instanceof DomainError)) throw refusal;
    const first = await orderByIdempotencyKey(this.sql, order.userId, order.idempotencyKey);
    if (!first) throw refusal;
    const conflict = repeatConflict<OrderTerms>(order.idempotencyKey, 'order', first, order, ORDER_TERMS);
    if (conflict) throw conflict;
    // read as settled, as any replay
    await this.settledFor(order.userId);
    return { order: (await orderById(this.sql, first.id))!, replayed: true };
  }

  /** Cancels the caller's open order; someone else's is not found, a finished one is a conflict. */
  async cancel(userId: string, orderId: string): Promise<StoredOrder> {
    const order = await orderById(this.sql, orderId);
    if (!order || order.userId !== userId) throw new DomainError(ErrorCode.NotFound, 'no such order');
    return this.cancelOpen(order);
  }

  /** An operator cancels any user's open order as its owner would (the same rules and engine command), recorded on it. */
  async cancelForOperator(orderId: string, operatorId: string): Promise<StoredOrder> {
    const order = await orderById(this.sql, orderId);
    if (!order) throw new DomainError(ErrorCode.NotFound, 'no such order');
    const cancelled = await this.cancelOpen(order);
    await recordCancelledBy(this.sql, cancelled.id, operatorId);
    return { ...cancelled, cancelledBy: cancelled.status === 'cancelled' ? operatorId : cancelled.cancelledBy };
  }

  private async cancelOpen(order: StoredOrder): Promise<StoredOrder> {
    if (order.status !== 'open' && order.status !== 'new') {
      throw new DomainError(ErrorCode.OrderNotOpen, `the order is ${order.status}: nothing is left to cancel`);
    }
    const outcome = await this.market(order.pair).submit({ kind: 'cancel', userId: order.userId, orderId: Number(order.id) });
    return this.settledOrder(outcome);
  }

  get feed(): MarketFeed {
    return this.markets.feed;
  }

  /**
   * A pair whose market data this process serves: one we trade (else UnknownPair, as `pair`) whose engine runs here
   * (else Unavailable: its feed is made where its engine runs).
   */
  async servedPair(code: string): Promise<Pair> {
    const pair = await this.pair(code);
    this.market(code);
    return pair;
  }

  /** Where a book subscriber starts: the best levels now and the number of the last update published. */
  bookSnapshot(code: string, depth = 50) {
    const market = this.market(code);
    return { pair: market.pair, ...market.bookSnapshot(depth) };
  }

  /** The live engine of a pair: its book's best levels and its state hash. */
  book(code: string, depth = 20) {
    const market = this.market(code);
    return extended(market.stateHash(), {
      bids: market.levels('buy', depth),
      asks: market.levels('sell', depth),
      pair: market.pair,
    });
  }

  /**
   * The exchange's audit: the engine's state hash against one recomputed from the journal (up to the engine's
   * sequence number), and per currency the open orders' held funds against the escrow's pending credits.
   */
  async audit(code: string) {
    const market = this.market(code);
    const engine = market.stateHash();
    const replayed = await replayJournal(this.sql, market.pair, engine.seq);
    const held = await heldFunds(this.sql);
    const mismatched = held.filter((h) => h.ordersHeld !== h.escrowPending);
    return {
      engine,
      journal: { seq: replayed.seq, hash: replayed.stateHash() },
      held,
      ok: replayed.stateHash() === engine.hash && mismatched.length === 0,
    };
  }

  /**
   * Stores a trigger order holding its order's funds (an OCO the larger of its two legs' holds) and linked to its
   * callback (before it can fire), starts its workflow, and arms its legs in the pair's trigger book.
   */
  async placeTrigger(t: PlaceTrigger, callback?: OrderCallback): Promise<{ trigger: StoredTrigger; replayed: boolean }> {
    const pair = await this.pair(t.pair);
    const market = this.market(pair.code);
    const { temporal, log } = this.requireWorkflows();
    const replay = (first: StoredTrigger) => {
      const conflict = repeatConflict(t.idempotencyKey, 'trigger', first, { ...t, pair: pair.code }, TRIGGER_TERMS);
      if (conflict) throw conflict;
      return { trigger: first, replayed: true };
    };
    let hold: { currency: string; amount: bigint };
    try {
      checkTrigger(pair, t);
      hold = triggerLegs(t)
        .map((leg) => checkOrder(pair, leg.request).hold)
        .reduce((a, b) => (b.amount > a.amount ? b : a));
    } catch (refusal) {
      // the pair as it is now (disabled, resized) does not answer a repeat of a trigger stored before: it is the answer
      const first = refusal instanceof DomainError && (await triggerByIdempotencyKey(this.sql, t.userId, t.idempotencyKey));
      if (!first) throw refusal;
      return replay(first);
    }
    // its hold may spend what a trade just brought in
    await this.settledFor(t.userId);
    const existing = await triggerByIdempotencyKey(this.sql, t.userId, t.idempotencyKey);
    if (existing) return replay(existing);
    const stored = await storeThenStart(
      triggerOutbox(temporal, this.sql),
      () =>
        this.sql.begin(async (tx) => {
          const inserted = await insertTrigger(tx, { ...t, pair: pair.code }, hold);
          if (!inserted.ok) throw refused(inserted.error, fundedBy(t));
          const { trigger } = inserted;
          // null: the same key raced in, its trigger linked by its own request
          if (trigger && callback) await linkOrderCallbacks(tx, [{ id: orderId('trg', trigger.id), userId: t.userId, callback }]);
          return trigger;
        }),
      log,
    );
    // the same key raced in: answered from the trigger it stored
    if (!stored) return replay((await triggerByIdempotencyKey(this.sql, t.userId, t.idempotencyKey))!);
    market.arm(armed(stored));
    return { trigger: stored, replayed: false };
  }

  async cancelTrigger(userId: string, id: string): Promise<StoredTrigger> {
    return this.cancelPendingTrigger(await this.triggerOf(userId, id), userId);
  }

  /** An operator cancels any user's pending trigger, through its workflow as its owner would; recorded on the row. */
  async cancelTriggerForOperator(id: string, operatorId: string): Promise<StoredTrigger> {
    const trigger = await triggerById(this.sql, id);
    if (!trigger) throw new DomainError(ErrorCode.NotFound, 'no such trigger');
    return this.cancelPendingTrigger(trigger, operatorId);
  }

  private async cancelPendingTrigger(trigger: StoredTrigger, by: string): Promise<StoredTrigger> {
    if (trigger.status !== 'pending') throw new DomainError(ErrorCode.OrderNotOpen, `the trigger is ${trigger.status}`);
    const state = await cancelTriggerOrder(this.requireWorkflows().temporal, trigger.id, by);
    // it fired (or failed) since it was read here: the cancel did nothing, and the caller must not take it for done
    if (state.status !== 'cancelled') throw new DomainError(ErrorCode.OrderNotOpen, `the trigger is ${state.status}`);
    this.markets.get(trigger.pair)?.disarm(Number(trigger.id));
    return (await triggerById(this.sql, trigger.id))!;
  }

  async triggerOf(userId: string, id: string): Promise<StoredTrigger> {
    const trigger = await triggerById(this.sql, id);
    if (!trigger || trigger.userId !== userId) throw new DomainError(ErrorCode.NotFound, 'no such trigger');
    return trigger;
  }

  private requireWorkflows() {
    if (!this.workflows) throw new DomainError(ErrorCode.Unavailable, 'trigger orders need Temporal, which this process has not');
    return this.workflows;
  }

  private market(code: string) {
    const market = this.markets.get(code);
    if (!market) throw new DomainError(ErrorCode.Unavailable, `${code}'s matching engine is not running in this process`);
    return market;
  }

  private async settledOrder(outcome: SubmitOutcome, funding?: FundingField): Promise<StoredOrder> {
    if (!outcome.ok) throw refused(outcome.error, funding);
    // the market hands back the order as the engine left it; a replayed key (answered from the journal transaction)
    // reads it
    return outcome.order ?? (await orderById(this.sql, outcome.orderId))!;
  }
}

/** The request field whose funds are held: a market buy by quote amount holds its `quote_amount`, others by `amount`. */
type FundingField = 'amount' | 'quote_amount';
const fundedBy = (request: { quoteAmount: bigint | null }): FundingField =>
  request.quoteAmount === null ? 'amount' : 'quote_amount';

const refused = ({ code, message, issues }: Refusal, funding: FundingField = 'amount') =>
  new DomainError(code, message, issues ?? fieldOf(code, funding));

function fieldOf(code: ErrorCode, funding: FundingField) {
  return code === ErrorCode.InsufficientFunds ? [moreThanAvailable(funding)] : [];
}
