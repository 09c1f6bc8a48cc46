/**
 * Market data as the engines produce it, for the websocket: channels `book.<pair>` (updates numbered one by one after
 * the snapshot a subscriber starts from, as Peatio's ob-snap/ob-inc, the numbers kept by the market's journal so they
 * go on across restarts), `trades.<pair>`, `ticker.<pair>`,
 * `candles.<pair>.<period>`, and each user's private `orders:<user>` and `balances:<user>`. Book, trades and ticker
 * are published as commands apply (in journal order, synchronously); candles, orders and balances once settled.
 */
import { formatAmount } from '../../domain/money.js';
import type { Applied, LevelChange } from '../../domain/exchange/market-state.js';
import type { Pair } from '../../domain/exchange/pairs.js';
import type { BookLevel } from '../../domain/exchange/orders.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { balancesOf } from '../ledger/queries.js';
import type { Candle } from './candles-store.js';

export type FeedMessage = { channel: string; type: string } & Record<string, unknown>;
type Listener = (message: FeedMessage) => void;

export const priceText = (pair: Pair, ticks: number) => formatAmount(BigInt(ticks) * pair.tickSize, pair.quoteScale);
export const lotsText = (pair: Pair, lots: number | bigint) => formatAmount(BigInt(lots) * pair.lotSize, pair.baseScale);
export const levelRows = (pair: Pair, levels: BookLevel[]): Array<[string, string]> =>
  levels.map(([ticks, lots]) => [priceText(pair, ticks), lotsText(pair, lots)]);

export class MarketFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly lastPrices = new Map<string, string>();

  constructor(
    private readonly sql: Sql,
    private readonly log: Logger,
  ) {}

  subscribe(channel: string, listener: Listener): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(channel);
    };
  }

  lastPrice(pair: string): string | null {
    return this.lastPrices.get(pair) ?? null;
  }

  /** The last trade stored when the market recovered (quote minor units): a restarted ticker starts from it, not null. */
  recoveredLastTrade(pair: Pair, price: bigint): void {
    this.lastPrices.set(pair.code, formatAmount(price, pair.quoteScale));
  }

  applied(pair: Pair, applied: Applied, best: { bid?: number; ask?: number }): void {
    if (applied.bookSeq !== null) {
      const rows = (side: 'buy' | 'sell', levels: LevelChange[]) =>
        levels.filter((l) => l.side === side).map((l) => [priceText(pair, l.price), lotsText(pair, l.lots)]);
      this.publish(`book.${pair.code}`, () => ({
        type: 'update',
        seq: applied.bookSeq,
        bids: rows('buy', applied.levels),
        asks: rows('sell', applied.levels),
      }));
    }
    for (const t of applied.trades) {
      this.publish(`trades.${pair.code}`, () => ({
        type: 'trade',
        id: String(t.id),
        price: priceText(pair, t.price),
        amount: lotsText(pair, t.quantity),
        taker_side: t.takerSide,
      }));
    }
    // the ticker's and the rates' last price, whoever listens
    const last = applied.trades.at(-1);
    if (last) this.lastPrices.set(pair.code, priceText(pair, last.price));
    if (applied.levels.length > 0 || applied.trades.length > 0) {
      this.publish(`ticker.${pair.code}`, () => ({
        type: 'ticker',
        last: this.lastPrice(pair.code),
        best_bid: best.bid === undefined ? null : priceText(pair, best.bid),
        best_ask: best.ask === undefined ? null : priceText(pair, best.ask),
      }));
    }
  }

  settled(pair: Pair, applied: Applied[], candles: Candle[]): void {
    for (const c of candles) {
      this.publish(`candles.${pair.code}.${c.period}`, () => ({
        type: 'candle',
        open_time: c.openTime.toISOString(),
        open: formatAmount(c.open, pair.quoteScale),
        high: formatAmount(c.high, pair.quoteScale),
        low: formatAmount(c.low, pair.quoteScale),
        close: formatAmount(c.close, pair.quoteScale),
        volume: formatAmount(c.volume, pair.baseScale),
        trades: c.trades,
      }));
    }
    const users = new Set<string>();
    for (const a of applied) {
      for (const o of a.orders) {
        users.add(o.userId);
        this.publish(`orders:${o.userId}`, () => ({
          type: 'order',
          id: String(o.orderId),
          pair: pair.code,
          side: o.side,
          status: o.status,
          reason: o.reason,
          filled_amount: formatAmount(o.filledBase, pair.baseScale),
          filled_quote: formatAmount(o.filledQuote, pair.quoteScale),
          held: formatAmount(o.held, o.side === 'buy' ? pair.quoteScale : pair.baseScale),
        }));
      }
    }
    for (const user of users) if (this.listeners.has(`balances:${user}`)) void this.publishBalances(user, pair);
  }

  private async publishBalances(userId: string, pair: Pair): Promise<void> {
    const scales = new Map([
      [pair.base, pair.baseScale],
      [pair.quote, pair.quoteScale],
    ]);
    try {
      for (const b of await balancesOf(this.sql, userAccountName(userId))) {
        const scale = scales.get(b.currency);
        if (scale === undefined) continue;
        const view = balanceView(b);
        this.publish(`balances:${userId}`, () => ({
          type: 'balance',
          currency: b.currency,
          posted: formatAmount(view.posted, scale),
          pending: formatAmount(view.pending, scale),
          available: formatAmount(view.available, scale),
        }));
      }
    } catch (error) {
      this.log.warn({ err: error }, 'could not publish balances');
    }
  }

  /** Builds the message only when someone listens: most channels have no subscriber most of the time. */
  private publish(channel: string, message: () => Omit<FeedMessage, 'channel'>): void {
    const set = this.listeners.get(channel);
    if (!set) return;
    const built = { channel, ...message() } as FeedMessage;
    for (const listener of set) listener(built);
  }
}
