/**
 * The slowest matcher that could possibly be right: every command sorts every resting order. The property test runs
 * it beside the engine on random streams; any difference in results, trades or book is a bug in one of them.
 */
import { feeFor } from '../../../domain/fees.js';
import type { CancelResult, NewOrder, OrderResult, RestingOrderState, Trade } from '../../../domain/exchange/orders.js';
import type { PairUnits } from '../../../domain/exchange/pairs.js';

interface Resting extends RestingOrderState {
  arrival: number;
}

export class ReferenceMatcher {
  private book: Resting[] = [];
  private arrivals = 0;
  private nextTradeId = 1;

  constructor(private readonly units: PairUnits) {}

  place(order: NewOrder, trades: Trade[]): OrderResult {
    if (this.book.some((o) => o.id === order.id)) return { status: 'rejected', reason: 'duplicate_id', filled: 0, resting: 0 };
    const market = order.type === 'market';
    const crosses = (o: Resting) =>
      o.side !== order.side && (market || (order.side === 'buy' ? o.price <= order.price : o.price >= order.price));
    const candidates = this.book
      .filter(crosses)
      .sort((a, b) => (order.side === 'buy' ? a.price - b.price : b.price - a.price) || a.arrival - b.arrival);
    if (order.postOnly && !market && candidates.length > 0) {
      return { status: 'cancelled', reason: 'post_only', filled: 0, resting: 0 };
    }
    if (order.timeInForce === 'FOK') {
      let available = 0;
      for (const o of candidates) {
        if (o.owner === order.owner) break;
        available += o.remaining;
      }
      if (available < order.quantity) return { status: 'cancelled', reason: 'unfillable', filled: 0, resting: 0 };
    }
    let remaining = order.quantity;
    let budget = order.quoteBudget;
    let selfTrade = false;
    for (const maker of candidates) {
      if (remaining === 0) break;
      if (maker.owner === order.owner) {
        selfTrade = true;
        break;
      }
      let quantity = Math.min(remaining, maker.remaining);
      if (budget !== null) {
        const perLot = BigInt(maker.price) * this.units.quotePerLotTick;
        quantity = Math.min(quantity, Number(budget / perLot));
        if (quantity === 0) break;
      }
      const base = BigInt(quantity) * this.units.lotSize;
      const quote = BigInt(quantity) * BigInt(maker.price) * this.units.quotePerLotTick;
      if (budget !== null) budget -= quote;
      const fee = (amount: bigint, ratePpm: bigint) => feeFor(amount, { fixed: 0n, ratePpm });
      maker.remaining -= quantity;
      remaining -= quantity;
      trades.push({
        id: this.nextTradeId++,
        price: maker.price,
        quantity,
        takerSide: order.side,
        takerOrderId: order.id,
        makerOrderId: maker.id,
        takerOwner: order.owner,
        makerOwner: maker.owner,
        base,
        quote,
        takerFee: fee(order.side === 'buy' ? base : quote, this.units.takerFeePpm),
        makerFee: fee(order.side === 'buy' ? quote : base, this.units.makerFeePpm),
        makerRemaining: maker.remaining,
      });
      // a maker left with lots means the taker is done: filled, or its budget cannot pay one more lot here
      if (maker.remaining > 0) break;
    }
    this.book = this.book.filter((o) => o.remaining > 0);
    const filled = order.quantity - remaining;
    if (selfTrade) return { status: 'cancelled', reason: 'self_trade', filled, resting: 0 };
    if (remaining === 0) return { status: 'filled', reason: null, filled, resting: 0 };
    if (budget !== null && filled > 0 && this.book.some((o) => o.side !== order.side)) {
      return { status: 'filled', reason: null, filled, resting: 0 };
    }
    if (market || order.timeInForce !== 'GTC') return { status: 'cancelled', reason: 'unmatched', filled, resting: 0 };
    this.book.push({
      id: order.id,
      owner: order.owner,
      side: order.side,
      price: order.price,
      remaining,
      arrival: this.arrivals++,
    });
    return { status: 'open', reason: null, filled, resting: remaining };
  }

  cancel(id: number, owner: string): CancelResult {
    const order = this.book.find((o) => o.id === id);
    if (!order) return { ok: false, reason: 'not_found' };
    if (order.owner !== owner) return { ok: false, reason: 'not_owner' };
    this.book = this.book.filter((o) => o !== order);
    return { ok: true, side: order.side, price: order.price, remaining: order.remaining };
  }

  /** Bids best first, then asks best first, each level in arrival order: the engine's snapshot order. */
  resting(): RestingOrderState[] {
    const inPriority = (side: 'buy' | 'sell') =>
      this.book
        .filter((o) => o.side === side)
        .sort((a, b) => (side === 'buy' ? b.price - a.price : a.price - b.price) || a.arrival - b.arrival)
        .map(({ id, owner, side, price, remaining }) => ({ id, owner, side, price, remaining }));
    return [...inPriority('buy'), ...inPriority('sell')];
  }

  get tradeCount(): number {
    return this.nextTradeId - 1;
  }
}
