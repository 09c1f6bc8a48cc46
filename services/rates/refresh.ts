/**
 * One refresh of every rate: static prices as set, exchanges' tickers through ccxt, our own pairs' last trades,
 * formulas over the results; the
 * new rates are appended to the history. A ticker that fails leaves its pair's last rate in place, to age until it is
 * refused as stale; the failures are returned for the workflow to show.
 */
import { rate } from '../../domain/rates/rate.js';
import { currentPrices, refreshRound, type Observation, type RateSetting } from '../../domain/rates/sources.js';
import { lastTrades } from '../exchange/client.js';
import type { Db } from '../../platform/db/client.js';
import type { ExchangeTickers } from './exchange-tickers.js';
import { latestRates, recordRates, type StoredRate } from './history-store.js';
import { loadRateSettings } from './sources-store.js';

export interface RefreshSummary {
  recorded: string[];
  failed: Array<{ pair: string; error: string }>;
}

export async function refreshRates(db: Db, tickers: ExchangeTickers): Promise<RefreshSummary> {
  const settings = await loadRateSettings(db);
  const external = settings.flatMap((s) =>
    s.source.kind === 'external' ? [{ pair: s.code, exchange: s.source.exchange, symbol: s.source.symbol }] : [],
  );
  const traded = settings.flatMap((s) => (s.source.kind === 'market' ? [s.code] : []));
  const [{ fetched, failed }, stored, trades] = await Promise.all([
    tickers.fetch(external),
    latestRates(db),
    lastTrades(db, traded),
  ]);
  const observed = new Map<string, Observation>([
    ...fetched,
    ...trades.map((t) => [t.pair, { mid: rate(t.price, 10n ** BigInt(t.quoteScale)), asOf: t.at }] as const),
  ]);
  return { recorded: await recordRound(db, settings, observed, stored), failed };
}

/**
 * A round without asking the exchanges: static prices as set and every formula over them and the last stored tickers.
 * An operator's change runs it in the transaction that saves it, so a formula built on a static price moves with it
 * at once, not at the next scheduled refresh, and so does a new spread on an exchange's or the market's price: its
 * last ticker or trade is recorded again under it, with the time it was observed (it ages as before).
 */
export async function recomputeRates(db: Db): Promise<string[]> {
  const [settings, stored] = await Promise.all([loadRateSettings(db), latestRates(db)]);
  const spreadOf = new Map(settings.map((s) => [s.code, s.spreadPpm]));
  const respread = [...currentPrices(stored, settings).values()].filter(
    (r) => (r.source === 'external' || r.source === 'market') && r.spreadPpm !== spreadOf.get(r.pair),
  );
  return recordRound(db, settings, new Map(respread.map((r) => [r.pair, { mid: r.mid, asOf: r.asOf }])), stored);
}

async function recordRound(
  db: Db,
  settings: RateSetting[],
  observations: ReadonlyMap<string, Observation>,
  stored: StoredRate[],
): Promise<string[]> {
  const previous = new Map<string, Observation>(
    [...currentPrices(stored, settings).values()].map((r) => [r.pair, { mid: r.mid, asOf: r.asOf }]),
  );
  const round = refreshRound(settings, observations, previous);
  const bySetting = new Map(settings.map((s) => [s.code, s]));
  await recordRates(
    db,
    [...round].map(([pair, observed]) => ({
      pair,
      ...observed,
      spreadPpm: bySetting.get(pair)!.spreadPpm,
      source: bySetting.get(pair)!.source.kind,
    })),
  );
  return [...round.keys()];
}
