import { describe, expect, it } from 'vitest';
import { BTC_USDT } from '../support/pairs.js';
import {
  checkTrigger,
  direction,
  triggerLegs,
  TriggerBook,
  type PendingTrigger,
  type TriggerSpec,
} from '../../domain/exchange/triggers.js';

const t = (id: number, kind: PendingTrigger['kind'], side: PendingTrigger['side'], triggerPrice: bigint): PendingTrigger => ({
  id,
  kind,
  side,
  triggerPrice,
});

describe('trigger directions', () => {
  it('stops fire against the position, take-profits in favour', () => {
    expect(direction('stop_market', 'sell')).toBe('fall');
    expect(direction('stop_limit', 'buy')).toBe('rise');
    expect(direction('take_profit', 'sell')).toBe('rise');
    expect(direction('take_profit', 'buy')).toBe('fall');
  });
});

describe('the trigger book', () => {
  it('fires only the triggers a price crosses, each once, nearest first', () => {
    const book = new TriggerBook();
    book.add(t(1, 'stop_market', 'sell', 90n));
    book.add(t(2, 'stop_market', 'sell', 95n));
    book.add(t(3, 'stop_limit', 'buy', 110n));
    book.add(t(4, 'take_profit', 'sell', 120n));
    book.add(t(5, 'take_profit', 'buy', 80n));
    expect(book.crossed(100n)).toEqual([]);
    expect(book.crossed(95n).map((x) => x.id)).toEqual([2]);
    expect(book.crossed(121n).map((x) => x.id)).toEqual([3, 4]);
    expect(book.crossed(79n).map((x) => x.id)).toEqual([1, 5]);
    expect(book.size).toBe(0);
  });

  it('forgets a cancelled trigger and ignores one added twice', () => {
    const book = new TriggerBook();
    book.add(t(1, 'stop_market', 'sell', 90n));
    book.add(t(1, 'stop_market', 'sell', 90n));
    expect(book.size).toBe(1);
    expect(book.remove(1)).toBe(true);
    expect(book.remove(1)).toBe(false);
    expect(book.crossed(1n)).toEqual([]);
  });
});

describe('OCO triggers', () => {
  const pair = BTC_USDT;
  const oco = (over: Partial<TriggerSpec> = {}): TriggerSpec => ({
    kind: 'oco',
    side: 'sell',
    triggerPrice: 60_000_000_000n,
    price: null,
    stopPrice: 40_000_000_000n,
    stopLimitPrice: 39_000_000_000n,
    amount: 1_000_000n,
    quoteAmount: null,
    ...over,
  });

  it('waits with a take-profit leg and a stop leg, each placing its own order', () => {
    const legs = triggerLegs(oco());
    expect(legs.map((l) => [l.kind, l.triggerPrice, l.request.type, l.request.price])).toEqual([
      ['take_profit', 60_000_000_000n, 'market', null],
      ['stop_limit', 40_000_000_000n, 'limit', 39_000_000_000n],
    ]);
    expect(triggerLegs(oco({ stopLimitPrice: null }))[1]!.kind).toBe('stop_market');
  });

  it('puts its legs on either side of the position, or names the field', () => {
    expect(() => checkTrigger(pair, oco())).not.toThrow();
    expect(() => checkTrigger(pair, oco({ stopPrice: 70_000_000_000n }))).toThrow(/stop_price must be below/);
    expect(() => checkTrigger(pair, oco({ side: 'buy' }))).toThrow(/stop_price must be above/);
    expect(() => checkTrigger(pair, oco({ stopPrice: null }))).toThrow(/stop_price is required/);
    expect(() => checkTrigger(pair, oco({ stopPrice: 40_000_000_001n }))).toThrow(/stop_price must be a positive multiple/);
    expect(() => checkTrigger(pair, { ...oco(), kind: 'stop_market', stopLimitPrice: null })).toThrow(
      /stop_price is for OCO triggers only/,
    );
  });

  it('fires one leg only: the first leg crossed takes the other out of the book', () => {
    const book = new TriggerBook();
    const legs = triggerLegs(oco()).map((l) => ({ id: 9, kind: l.kind, side: 'sell' as const, triggerPrice: l.triggerPrice }));
    legs.forEach((l) => book.add(l));
    legs.forEach((l) => book.add(l));
    expect(book.size).toBe(2);
    const [fired] = book.crossed(65_000_000_000n);
    expect(fired).toMatchObject({ id: 9, kind: 'take_profit' });
    expect(book.remove(9)).toBe(true);
    expect(book.crossed(1n)).toEqual([]);
  });
});
