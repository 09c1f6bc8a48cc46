/**
 * The matching engine of one pair: price-time priority, GTC / IOC / FOK, post-only, market orders by amount or by
 * quote budget, partial fills, self-trade prevention that cancels the taker, maker/taker fees in exact minor units.
 * Pure and single-threaded: one writer per pair applies commands in journal order, so the same commands always give
 * the same book, trades and state hash.
 */
import { divCeil } from '../money.js';
import { PPM } from '../fees.js';
import { BookSide, RestingOrder, type Level } from './book-side.js';
import type { BookLevel, CancelResult, EngineSnapshot, NewOrder, OrderResult, RestingOrderState, Side, Trade } from './orders.js';
import type { PairUnits } from './pairs.js';
import { StateHasher } from './state-hash.js';

export class MatchingEngine {
  private readonly bids = new BookSide('buy');
  private readonly asks = new BookSide('sell');
  private readonly orders = new Map<number, RestingOrder>();
  private nextTradeId = 1;

  constructor(private readonly units: PairUnits) {}

  /** Matches `order`, appending its trades to `trades`, and rests what a GTC limit order has left. */
  place(order: NewOrder, trades: Trade[]): OrderResult {
    if (this.orders.has(order.id)) return { status: 'rejected', reason: 'duplicate_id', filled: 0, resting: 0 };
    const market = order.type === 'market';
    const opposite = order.side === 'buy' ? this.asks : this.bids;
    if (order.postOnly && !market) {
      const best = opposite.best();
      if (best && opposite.reachable(best, order.price, false)) {
        return { status: 'cancelled', reason: 'post_only', filled: 0, resting: 0 };
      }
    }
    if (order.timeInForce === 'FOK' && this.fillableLots(order, opposite) < order.quantity) {
      return { status: 'cancelled', reason: 'unfillable', filled: 0, resting: 0 };
    }

    let remaining = order.quantity;
    let budget = order.quoteBudget;
    let selfTrade = false;
    while (remaining > 0) {
      const level = opposite.best();
      if (!level || !opposite.reachable(level, order.price, market)) break;
      const maker = level.head!;
      if (maker.owner === order.owner) {
        selfTrade = true;
        break;
      }
      let quantity = remaining < maker.remaining ? remaining : maker.remaining;
      if (budget !== null) {
        const affordable = budget / (BigInt(level.price) * this.units.quotePerLotTick);
        if (affordable < BigInt(quantity)) quantity = Number(affordable);
        if (quantity === 0) break;
      }
      const lots = BigInt(quantity);
      const trade = this.trade(order, maker, quantity, lots);
      if (budget !== null) budget -= trade.quote;
      trades.push(trade);
      remaining -= quantity;
      maker.remaining -= quantity;
      level.total -= lots;
      if (maker.remaining === 0) this.removeResting(maker, opposite);
    }

    const filled = order.quantity - remaining;
    if (selfTrade) return { status: 'cancelled', reason: 'self_trade', filled, resting: 0 };
    if (remaining === 0) return { status: 'filled', reason: null, filled, resting: 0 };
    if (budget !== null && filled > 0 && opposite.best()) {
      // a budget that cannot buy one more lot at the next price is spent: the order did what it could
      return { status: 'filled', reason: null, filled, resting: 0 };
    }
    if (market || order.timeInForce !== 'GTC') return { status: 'cancelled', reason: 'unmatched', filled, resting: 0 };
    this.rest(order.id, order.owner, order.side, order.price, remaining);
    return { status: 'open', reason: null, filled, resting: remaining };
  }

  cancel(id: number, owner: string): CancelResult {
    const order = this.orders.get(id);
    if (!order) return { ok: false, reason: 'not_found' };
    if (order.owner !== owner) return { ok: false, reason: 'not_owner' };
    this.removeResting(order, order.side === 'buy' ? this.bids : this.asks);
    return { ok: true, side: order.side, price: order.price, remaining: order.remaining };
  }

  resting(id: number): RestingOrderState | undefined {
    const order = this.orders.get(id);
    return order && { id, owner: order.owner, side: order.side, price: order.price, remaining: order.remaining };
  }

  bestPrice(side: Side): number | undefined {
    return (side === 'buy' ? this.bids : this.asks).best()?.price;
  }

  /** The best `depth` levels of a side, best first, as [price, lots]. */
  levels(side: Side, depth: number): BookLevel[] {
    const levels = (side === 'buy' ? this.bids : this.asks).levels;
    const top: BookLevel[] = [];
    for (let i = levels.length - 1; i >= 0 && top.length < depth; i--) top.push([levels[i]!.price, levels[i]!.total]);
    return top;
  }

  /** Lots resting at a price on a side (0 when there is no level). */
  levelTotal(side: Side, price: number): bigint {
    return (side === 'buy' ? this.bids : this.asks).totalAt(price);
  }

  get openOrders(): number {
    return this.orders.size;
  }

  snapshot(): EngineSnapshot {
    return { nextTradeId: this.nextTradeId, orders: [...this.restingInPriority()] };
  }

  static restore(units: PairUnits, snapshot: EngineSnapshot): MatchingEngine {
    const engine = new MatchingEngine(units);
    engine.nextTradeId = snapshot.nextTradeId;
    for (const o of snapshot.orders) engine.rest(o.id, o.owner, o.side, o.price, o.remaining);
    return engine;
  }

  /** A hash of everything that decides future matches: the next trade id and every resting order in priority. */
  stateHash(): string {
    const hasher = new StateHasher().add(this.nextTradeId);
    for (const o of this.restingInPriority()) hasher.add(o.id).add(o.owner).add(o.side).add(o.price).add(o.remaining);
    return hasher.digest();
  }

  private *restingInPriority(): Generator<RestingOrderState> {
    for (const side of [this.bids, this.asks]) {
      for (let i = side.levels.length - 1; i >= 0; i--) {
        for (let o = side.levels[i]!.head; o; o = o.next) {
          yield { id: o.id, owner: o.owner, side: o.side, price: o.price, remaining: o.remaining };
        }
      }
    }
  }

  private rest(id: number, owner: string, side: Side, price: number, remaining: number): void {
    const level = (side === 'buy' ? this.bids : this.asks).levelAt(price);
    const order = new RestingOrder(id, owner, side, price, remaining, level);
    level.append(order);
    this.orders.set(id, order);
  }

  private removeResting(order: RestingOrder, side: BookSide): void {
    const level: Level = order.level;
    level.unlink(order);
    side.removeIfEmpty(level);
    this.orders.delete(order.id);
  }

  /** Lots a FOK order could take before the book runs out, its limit stops it, or its owner's own order would. */
  private fillableLots(order: NewOrder, opposite: BookSide): number {
    let lots = 0;
    for (let i = opposite.levels.length - 1; i >= 0; i--) {
      const level = opposite.levels[i]!;
      if (!opposite.reachable(level, order.price, order.type === 'market')) break;
      for (let maker = level.head; maker; maker = maker.next) {
        if (maker.owner === order.owner) return lots;
        lots += maker.remaining;
        if (lots >= order.quantity) return lots;
      }
    }
    return lots;
  }

  private trade(taker: NewOrder, maker: RestingOrder, quantity: number, lots: bigint): Trade {
    const { lotSize, quotePerLotTick, makerFeePpm, takerFeePpm } = this.units;
    const base = lots * lotSize;
    const quote = lots * BigInt(maker.price) * quotePerLotTick;
    // each side pays its fee in what it receives: the buyer in base, the seller in quote
    const takerReceives = taker.side === 'buy' ? base : quote;
    const makerReceives = taker.side === 'buy' ? quote : base;
    return {
      id: this.nextTradeId++,
      price: maker.price,
      quantity,
      takerSide: taker.side,
      takerOrderId: taker.id,
      makerOrderId: maker.id,
      takerOwner: taker.owner,
      makerOwner: maker.owner,
      base,
      quote,
      takerFee: feeOf(takerReceives, takerFeePpm),
      makerFee: feeOf(makerReceives, makerFeePpm),
      makerRemaining: maker.remaining - quantity,
    };
  }
}

function feeOf(amount: bigint, ratePpm: bigint): bigint {
  return ratePpm === 0n ? 0n : divCeil(amount * ratePpm, PPM);
}
