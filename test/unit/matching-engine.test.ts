import { describe, expect, it } from 'vitest';
import { MatchingEngine } from '../../domain/exchange/engine.js';
import type { NewOrder, Trade } from '../../domain/exchange/orders.js';
import { pairConfigProblem, pairUnits } from '../../domain/exchange/pairs.js';
import { BTC_USDT } from '../support/pairs.js';

let nextId = 1;
function limit(owner: string, side: 'buy' | 'sell', price: number, quantity: number, extra: Partial<NewOrder> = {}): NewOrder {
  return {
    id: nextId++,
    owner,
    side,
    type: 'limit',
    price,
    quantity,
    quoteBudget: null,
    timeInForce: 'GTC',
    postOnly: false,
    ...extra,
  };
}
function market(owner: string, side: 'buy' | 'sell', quantity: number, extra: Partial<NewOrder> = {}): NewOrder {
  return limit(owner, side, 0, quantity, { type: 'market', timeInForce: 'IOC', ...extra });
}

function book() {
  const engine = new MatchingEngine(pairUnits(BTC_USDT));
  const trades: Trade[] = [];
  const place = (order: NewOrder) => engine.place(order, trades);
  return { engine, trades, place };
}

describe('resting and priority', () => {
  it('rests a GTC limit order that crosses nothing, best level first', () => {
    const { engine, place } = book();
    expect(place(limit('a', 'buy', 100, 5))).toEqual({ status: 'open', reason: null, filled: 0, resting: 5 });
    place(limit('a', 'buy', 101, 2));
    place(limit('a', 'buy', 99, 1));
    place(limit('b', 'sell', 105, 3));
    place(limit('b', 'sell', 103, 4));
    expect(engine.levels('buy', 10)).toEqual([
      [101, 2n],
      [100, 5n],
      [99, 1n],
    ]);
    expect(engine.levels('sell', 10)).toEqual([
      [103, 4n],
      [105, 3n],
    ]);
    expect(engine.bestPrice('buy')).toBe(101);
    expect(engine.bestPrice('sell')).toBe(103);
    expect(engine.openOrders).toBe(5);
  });

  it('fills the better price first, then the earlier order at the same price', () => {
    const { trades, place } = book();
    const late = limit('a', 'sell', 100, 1);
    const early = limit('b', 'sell', 100, 1);
    const better = limit('c', 'sell', 99, 1);
    place(early);
    place(late);
    place(better);
    place(limit('t', 'buy', 100, 3));
    expect(trades.map((t) => t.makerOrderId)).toEqual([better.id, early.id, late.id]);
  });

  it("trades at the maker's price: a buyer bidding above the ask pays the ask", () => {
    const { trades, place } = book();
    place(limit('m', 'sell', 100, 1));
    place(limit('t', 'buy', 120, 1));
    expect(trades[0]!.price).toBe(100);
    expect(trades[0]!.quote).toBe(100n); // 1 lot × 100 ticks × 1 micro-USDT
    expect(trades[0]!.base).toBe(10_000n);
  });
});

describe('partial fills', () => {
  it('fills part of a maker, which keeps its place with the rest', () => {
    const { engine, trades, place } = book();
    const maker = limit('m', 'sell', 100, 10);
    place(maker);
    place(limit('x', 'sell', 100, 5));
    expect(place(limit('t', 'buy', 100, 4))).toEqual({ status: 'filled', reason: null, filled: 4, resting: 0 });
    expect(trades[0]).toMatchObject({ makerOrderId: maker.id, quantity: 4, makerRemaining: 6 });
    expect(engine.resting(maker.id)?.remaining).toBe(6);
    expect(engine.levels('sell', 1)).toEqual([[100, 11n]]);
    place(limit('u', 'buy', 100, 6));
    expect(trades[1]).toMatchObject({ makerOrderId: maker.id, quantity: 6, makerRemaining: 0 });
    expect(engine.resting(maker.id)).toBeUndefined();
  });

  it('counts a level exactly past 2^53 lots, each order being up to 2^53 - 1 lots', () => {
    const { engine, place } = book();
    const most = Number.MAX_SAFE_INTEGER;
    for (const owner of ['a', 'b', 'c']) place(limit(owner, 'buy', 100, most));
    place(limit('t', 'sell', 100, 2));
    const exact = 3n * BigInt(most) - 2n;
    expect(engine.levels('buy', 1)).toEqual([[100, exact]]);
    expect(engine.levelTotal('buy', 100)).toBe(exact);
  });

  it('rests what a GTC taker has left after sweeping the levels it reaches', () => {
    const { engine, trades, place } = book();
    place(limit('m', 'sell', 100, 2));
    place(limit('m', 'sell', 101, 3));
    place(limit('m', 'sell', 103, 9));
    const taker = limit('t', 'buy', 102, 10);
    expect(place(taker)).toEqual({ status: 'open', reason: null, filled: 5, resting: 5 });
    expect(trades.map((t) => [t.price, t.quantity])).toEqual([
      [100, 2],
      [101, 3],
    ]);
    expect(engine.levels('buy', 5)).toEqual([[102, 5n]]);
    expect(engine.levels('sell', 5)).toEqual([[103, 9n]]);
  });
});

describe('time in force', () => {
  it('IOC fills what it can and never rests', () => {
    const { engine, place } = book();
    place(limit('m', 'sell', 100, 2));
    expect(place(limit('t', 'buy', 100, 5, { timeInForce: 'IOC' }))).toEqual({
      status: 'cancelled',
      reason: 'unmatched',
      filled: 2,
      resting: 0,
    });
    expect(place(limit('t', 'buy', 100, 5, { timeInForce: 'IOC' })).filled).toBe(0);
    expect(engine.openOrders).toBe(0);
  });

  it('FOK fills whole or not at all', () => {
    const { engine, trades, place } = book();
    place(limit('m', 'sell', 100, 2));
    place(limit('m', 'sell', 101, 2));
    expect(place(limit('t', 'buy', 100, 3, { timeInForce: 'FOK' }))).toEqual({
      status: 'cancelled',
      reason: 'unfillable',
      filled: 0,
      resting: 0,
    });
    expect(trades).toEqual([]);
    expect(place(limit('t', 'buy', 101, 4, { timeInForce: 'FOK' }))).toEqual({
      status: 'filled',
      reason: null,
      filled: 4,
      resting: 0,
    });
    expect(engine.openOrders).toBe(0);
  });

  it("FOK does not count liquidity behind its owner's own order (self-trade prevention would stop it there)", () => {
    const { trades, place } = book();
    place(limit('t', 'sell', 100, 2));
    place(limit('m', 'sell', 100, 5));
    expect(place(limit('t', 'buy', 100, 1, { timeInForce: 'FOK' })).reason).toBe('unfillable');
    expect(trades).toEqual([]);
  });

  it('post-only rests when it crosses nothing and is cancelled when it would take', () => {
    const { engine, trades, place } = book();
    place(limit('m', 'sell', 100, 2));
    expect(place(limit('t', 'buy', 100, 1, { postOnly: true }))).toEqual({
      status: 'cancelled',
      reason: 'post_only',
      filled: 0,
      resting: 0,
    });
    expect(place(limit('t', 'buy', 99, 1, { postOnly: true })).status).toBe('open');
    expect(trades).toEqual([]);
    expect(engine.openOrders).toBe(2);
  });
});

describe('market orders', () => {
  it('sweeps levels by amount and cancels what the book cannot fill', () => {
    const { engine, trades, place } = book();
    place(limit('m', 'buy', 100, 2));
    place(limit('m', 'buy', 90, 2));
    expect(place(market('t', 'sell', 5))).toEqual({ status: 'cancelled', reason: 'unmatched', filled: 4, resting: 0 });
    expect(trades.map((t) => t.price)).toEqual([100, 90]);
    expect(engine.openOrders).toBe(0);
    expect(place(market('t', 'sell', 1)).reason).toBe('unmatched');
  });

  it('spends at most its quote budget, in whole lots', () => {
    const { engine, trades, place } = book();
    place(limit('m', 'sell', 100, 3)); // 300 micro-USDT for all three lots
    place(limit('m', 'sell', 200, 5));
    const order = market('t', 'buy', Number.MAX_SAFE_INTEGER, { quoteBudget: 750n });
    expect(place(order)).toEqual({ status: 'filled', reason: null, filled: 5, resting: 0 });
    expect(trades.map((t) => [t.price, t.quantity, t.quote])).toEqual([
      [100, 3, 300n],
      [200, 2, 400n],
    ]); // 50 left cannot buy a lot at 200
    expect(engine.levels('sell', 1)).toEqual([[200, 3n]]);
  });

  it('a budget larger than the book ends unmatched', () => {
    const { place } = book();
    place(limit('m', 'sell', 100, 1));
    expect(place(market('t', 'buy', Number.MAX_SAFE_INTEGER, { quoteBudget: 10_000n }))).toMatchObject({
      status: 'cancelled',
      reason: 'unmatched',
      filled: 1,
    });
  });

  it('FOK market by amount', () => {
    const { place } = book();
    place(limit('m', 'sell', 100, 1));
    expect(place(market('t', 'buy', 2, { timeInForce: 'FOK' })).reason).toBe('unfillable');
    expect(place(market('t', 'buy', 1, { timeInForce: 'FOK' })).status).toBe('filled');
  });
});

describe('self-trade prevention', () => {
  it('cancels the taker when it reaches its own order; trades before stand and the maker stays', () => {
    const { engine, trades, place } = book();
    place(limit('other', 'sell', 100, 1));
    const own = limit('me', 'sell', 101, 5);
    place(own);
    place(limit('other', 'sell', 102, 5));
    expect(place(limit('me', 'buy', 102, 10))).toEqual({ status: 'cancelled', reason: 'self_trade', filled: 1, resting: 0 });
    expect(trades).toHaveLength(1);
    expect(engine.resting(own.id)?.remaining).toBe(5);
    expect(engine.bestPrice('buy')).toBeUndefined();
  });
});

describe('fees', () => {
  it('charges the taker and maker rates on what each receives, rounded up to a minor unit', () => {
    const { trades, place } = book();
    place(limit('seller', 'sell', 123_457, 3)); // maker sells 3 lots at 1234.57
    place(limit('buyer', 'buy', 123_457, 3)); // taker buys
    const [trade] = trades;
    expect(trade!.base).toBe(30_000n); // 0.0003 BTC
    expect(trade!.quote).toBe(370_371n); // 0.370371 USDT
    expect(trade!.takerFee).toBe(60n); // buyer, 0.2% of 30,000 sat
    expect(trade!.makerFee).toBe(371n); // seller, 0.1% of 370,371 = 370.371 → 371
  });

  it('a seller taking liquidity pays the taker rate in quote, the resting buyer the maker rate in base', () => {
    const { trades, place } = book();
    place(limit('buyer', 'buy', 100_000, 1));
    place(limit('seller', 'sell', 100_000, 1));
    expect(trades[0]).toMatchObject({ takerSide: 'sell', quote: 100_000n, takerFee: 200n, makerFee: 10n });
  });

  it('no fee at a zero rate, and a tiny trade still pays one minor unit at a non-zero rate', () => {
    const free = new MatchingEngine({ ...pairUnits(BTC_USDT), makerFeePpm: 0n, takerFeePpm: 0n });
    const trades: Trade[] = [];
    free.place(limit('m', 'sell', 1, 1), trades);
    free.place(limit('t', 'buy', 1, 1), trades);
    expect([trades[0]!.takerFee, trades[0]!.makerFee]).toEqual([0n, 0n]);
    const { trades: paid, place } = book();
    place(limit('m', 'sell', 1, 1));
    place(limit('t', 'buy', 1, 1));
    expect(paid[0]!.quote).toBe(1n);
    expect(paid[0]!.makerFee).toBe(1n); // 0.1% of 1 micro-USDT rounds up to 1
  });
});

describe('cancels and ids', () => {
  it('cancels a resting order for its owner only, and says when it is gone', () => {
    const { engine, place } = book();
    const order = limit('a', 'buy', 100, 5);
    place(order);
    expect(engine.cancel(order.id, 'b')).toEqual({ ok: false, reason: 'not_owner' });
    expect(engine.cancel(order.id, 'a')).toEqual({ ok: true, side: 'buy', price: 100, remaining: 5 });
    expect(engine.cancel(order.id, 'a')).toEqual({ ok: false, reason: 'not_found' });
    expect(engine.levels('buy', 1)).toEqual([]);
  });

  it('a filled order cannot be cancelled', () => {
    const { engine, place } = book();
    const order = limit('a', 'buy', 100, 1);
    place(order);
    place(limit('b', 'sell', 100, 1));
    expect(engine.cancel(order.id, 'a')).toEqual({ ok: false, reason: 'not_found' });
  });

  it('refuses an id that is already resting', () => {
    const { place } = book();
    const order = limit('a', 'buy', 100, 1);
    place(order);
    expect(place(order)).toEqual({ status: 'rejected', reason: 'duplicate_id', filled: 0, resting: 0 });
  });

  it('numbers trades in sequence', () => {
    const { trades, place } = book();
    place(limit('m', 'sell', 100, 3));
    place(limit('t', 'buy', 100, 1));
    place(limit('t', 'buy', 100, 2));
    expect(trades.map((t) => t.id)).toEqual([1, 2]);
  });
});

describe('state hash and snapshots', () => {
  it('changes with any resting detail and survives a snapshot round trip', () => {
    const { engine, place } = book();
    const empty = engine.stateHash();
    expect(empty).toMatch(/^[0-9a-f]{16}$/);
    place(limit('a', 'buy', 100, 5));
    const one = engine.stateHash();
    expect(one).not.toBe(empty);
    place(limit('b', 'sell', 100, 1));
    expect(engine.stateHash()).not.toBe(one);
    const restored = MatchingEngine.restore(pairUnits(BTC_USDT), JSON.parse(JSON.stringify(engine.snapshot())));
    expect(restored.stateHash()).toBe(engine.stateHash());
    expect(restored.levels('buy', 5)).toEqual(engine.levels('buy', 5));
  });
});

describe('pairs', () => {
  it('accepts a pair whose lot at one tick costs whole quote minor units', () => {
    expect(pairConfigProblem(BTC_USDT)).toBeNull();
    expect(pairUnits(BTC_USDT).quotePerLotTick).toBe(1n);
  });

  it('refuses inexact sizes, inconsistent bounds and fees over 100%', () => {
    expect(pairConfigProblem({ ...BTC_USDT, lotSize: 1_000n })).toMatch(/whole number/); // 0.1 micro-USDT
    expect(pairConfigProblem({ ...BTC_USDT, tickSize: 0n })).toMatch(/positive/);
    expect(pairConfigProblem({ ...BTC_USDT, maxAmount: 1n })).toMatch(/min\/max/);
    expect(pairConfigProblem({ ...BTC_USDT, takerFeePpm: 1_000_001n })).toMatch(/fees/);
  });
});
