/** Book update numbers counted along the journal: only commands that change a level take one, and snapshots keep them. */
import { describe, expect, it } from 'vitest';
import { MarketState, placeCommand, type JournalCommand } from '../../domain/exchange/market-state.js';
import type { NewOrder } from '../../domain/exchange/orders.js';
import { BTC_USDT } from '../support/pairs.js';

const pair = BTC_USDT;
const limit = (id: number, side: 'buy' | 'sell', price: number): JournalCommand => {
  const order: NewOrder = {
    id,
    owner: side === 'buy' ? 'b' : 's',
    side,
    type: 'limit',
    price,
    quantity: 1,
    quoteBudget: null,
    timeInForce: 'GTC',
    postOnly: false,
  };
  const hold = side === 'buy' ? { currency: 'USDT', amount: BigInt(price) * 100n } : { currency: 'BTC', amount: 10_000n };
  return placeCommand(order, hold);
};

describe('book update numbers', () => {
  it('number only the commands that change a level, and go on from a snapshot', () => {
    const state = new MarketState(pair);
    expect(state.apply(1, limit(1, 'buy', 100)).bookSeq).toBe(1);
    expect(state.apply(2, { kind: 'cancel', id: 99, owner: 'b' }).bookSeq).toBeNull(); // no such order: no update
    expect(state.apply(3, limit(2, 'sell', 100)).bookSeq).toBe(2); // trades away the bid
    expect(state.bookSeq).toBe(2);

    const restored = new MarketState(pair, JSON.parse(JSON.stringify(state.snapshot())));
    expect(restored.bookSeq).toBe(2);
    expect(restored.apply(4, limit(3, 'sell', 120)).bookSeq).toBe(3);
  });

  it('never go back after a snapshot taken before they were kept', () => {
    const state = new MarketState(pair);
    state.apply(1, limit(1, 'buy', 100));
    state.apply(2, { kind: 'cancel', id: 99, owner: 'b' });
    const { bookSeq: _dropped, ...legacy } = state.snapshot();
    const restored = new MarketState(pair, legacy);
    expect(restored.bookSeq).toBe(2); // its command count: at least the updates it had published
  });
});
