/** The websocket's text of a feed message: made once per message for all its sockets, private channels renamed. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { feedFrame } from '../../api/exchange/feed-frames.js';
import type { FeedMessage } from '../../services/exchange/market-feed.js';

afterEach(() => vi.restoreAllMocks());

describe('feedFrame', () => {
  it('serialises a message once, however many sockets send it', () => {
    const stringify = vi.spyOn(JSON, 'stringify');
    const trade: FeedMessage = { channel: 'trades.BTC-USDT', type: 'trade', id: '7', price: '30000.00', amount: '0.001' };
    const sent = Array.from({ length: 50 }, () => feedFrame(trade));
    expect(stringify).toHaveBeenCalledTimes(1);
    expect(new Set(sent).size).toBe(1);
    expect(JSON.parse(sent[0]!)).toEqual(trade);
  });

  it("sends a private channel's message under the channel the client subscribed to, and each message its own text", () => {
    const order: FeedMessage = { channel: 'orders:9f1c', type: 'order', id: '1', status: 'filled' };
    const balance: FeedMessage = { channel: 'balances:9f1c', type: 'balance', currency: 'BTC', available: '1.5' };
    expect(JSON.parse(feedFrame(order))).toEqual({ ...order, channel: 'orders' });
    expect(JSON.parse(feedFrame(balance))).toEqual({ ...balance, channel: 'balances' });
    // the message is not changed: the feed's other listeners see it as published
    expect(order.channel).toBe('orders:9f1c');
    const candle: FeedMessage = { channel: 'candles.BTC-USDT.1m', type: 'candle', close: '1.00' };
    expect(JSON.parse(feedFrame(candle)).channel).toBe('candles.BTC-USDT.1m');
  });
});
