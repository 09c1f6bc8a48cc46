/**
 * Exchanges' tickers through ccxt, as exact rates. One ccxt instance per exchange, kept for the process, so its markets
 * load once. `apiOrigins` points an exchange's API at another origin (a local double in tests, a proxy in production):
 * every URL of its `urls.api` keeps its path and gets the new origin, so ccxt's own requests and parsing still run.
 *
 * Prices: ccxt turns the exchange's decimal strings into doubles. The raw ticker (`info`) still has the strings, and
 * where it names the book's top the way Binance does (`bidPrice`, `askPrice`) those are used as sent. Otherwise the
 * double's shortest round-trip text is used, which is the decimal the exchange sent when that had at most 15
 * significant digits (a double holds 15 exactly); a price with more is refused rather than guessed.
 */
import ccxt, { type Exchange, type Ticker } from 'ccxt';
import { midpoint, parseRate, type Rate } from '../../domain/rates/rate.js';
import type { Observation } from '../../domain/rates/sources.js';

export interface TickerRequest {
  pair: string;
  exchange: string;
  symbol: string;
}

export interface TickerRound {
  fetched: Map<string, Observation>;
  failed: Array<{ pair: string; error: string }>;
}

const MAX_EXACT_DIGITS = 15;
const exchangeClasses = ccxt as unknown as Record<string, new (config: Record<string, unknown>) => Exchange>;

/** Whether ccxt knows an exchange by this id. */
export function knownExchange(id: string): boolean {
  return (ccxt.exchanges as string[]).includes(id);
}

export class ExchangeTickers {
  private readonly exchanges = new Map<string, Exchange>();

  constructor(
    private readonly apiOrigins: Record<string, string> = {},
    private readonly timeoutMs = 10_000,
  ) {}

  private exchange(id: string): Exchange {
    let exchange = this.exchanges.get(id);
    if (!exchange) {
      const Class = exchangeClasses[id];
      if (!knownExchange(id) || !Class) throw new Error(`ccxt has no exchange ${id}`);
      // spot markets only: a rate never needs the futures APIs, and loading them costs requests
      exchange = new Class({ timeout: this.timeoutMs, options: { fetchMarkets: { types: ['spot'] } } });
      const origin = this.apiOrigins[id];
      if (origin) exchange.urls.api = rebase(exchange.urls.api, origin) as typeof exchange.urls.api;
      this.exchanges.set(id, exchange);
    }
    return exchange;
  }

  /** Each exchange's tickers in one request; an exchange that fails fails only its own pairs. */
  async fetch(requests: TickerRequest[], now = () => new Date()): Promise<TickerRound> {
    const round: TickerRound = { fetched: new Map(), failed: [] };
    const byExchange = new Map<string, TickerRequest[]>();
    for (const r of requests) byExchange.set(r.exchange, [...(byExchange.get(r.exchange) ?? []), r]);
    await Promise.all(
      [...byExchange].map(async ([id, wanted]) => {
        try {
          const tickers = await this.exchange(id).fetchTickers([...new Set(wanted.map((w) => w.symbol))]);
          const at = now();
          for (const w of wanted) {
            const ticker = tickers[w.symbol];
            const mid = ticker ? tickerMid(ticker) : null;
            if (!mid) {
              round.failed.push({ pair: w.pair, error: `${id} gave no usable price for ${w.symbol}` });
              continue;
            }
            const stamped = ticker!.timestamp ? new Date(Math.min(ticker!.timestamp, at.getTime())) : at;
            round.fetched.set(w.pair, { mid, asOf: stamped });
          }
        } catch (error) {
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          for (const w of wanted) round.failed.push({ pair: w.pair, error: message.slice(0, 300) });
        }
      }),
    );
    return round;
  }
}

function rebase(value: unknown, origin: string): unknown {
  if (typeof value === 'string') {
    const url = new URL(value);
    return new URL(url.pathname + url.search, origin).toString().replace(/\/$/, '');
  }
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rebase(v, origin)]));
  }
  return value;
}

/** The exact decimal behind a price: the raw string when there is one, else the double's text if it is exact. */
function exactPrice(raw: unknown, parsed: number | undefined): Rate | null {
  if (typeof raw === 'string') return parseRate(raw.trim());
  if (parsed === undefined || !Number.isFinite(parsed) || parsed <= 0) return null;
  const text = parsed.toString();
  if (/e/i.test(text) || text.replace(/^0\.0*|\./g, '').length > MAX_EXACT_DIGITS) return null;
  return parseRate(text);
}

/** The middle of the book's top when the ticker has both sides, else the last trade. */
export function tickerMid(ticker: Ticker): Rate | null {
  const info = (ticker.info ?? {}) as Record<string, unknown>;
  const bid = exactPrice(info.bidPrice, ticker.bid);
  const ask = exactPrice(info.askPrice, ticker.ask);
  if (bid && ask) return midpoint(bid, ask);
  return exactPrice(info.lastPrice, ticker.last);
}
