import { describe, expect, it } from 'vitest';
import { direction, TriggerBook, type PendingTrigger } from '../../domain/exchange/triggers.js';

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
