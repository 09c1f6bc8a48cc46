/**
 * One refresh of every rate: static prices as set, exchanges' tickers through ccxt, formulas over the results; the
 * new rates are appended to the history. A ticker that fails leaves its pair's last rate in place, to age until it is
 * refused as stale; the failures are returned for the workflow to show.
 */
import { refreshRound, type Observation, type RateSetting } from '../../domain/rates/sources.js';
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
  const [{ fetched, failed }, stored] = await Promise.all([tickers.fetch(external), latestRates(db)]);
  return { recorded: await recordRound(db, settings, fetched, stored), failed };
}

/**
 * A round without asking the exchanges: static prices as set and every formula over them and the last stored tickers.
 * An operator's change runs it in the transaction that saves it, so a formula built on a static price moves with it
 * at once, not at the next scheduled refresh.
 */
export async function recomputeRates(db: Db): Promise<string[]> {
  const [settings, stored] = await Promise.all([loadRateSettings(db), latestRates(db)]);
  return recordRound(db, settings, new Map(), stored);
}

async function recordRound(
  db: Db,
  settings: RateSetting[],
  fetched: ReadonlyMap<string, Observation>,
  stored: StoredRate[],
): Promise<string[]> {
  const previous = new Map<string, Observation>(stored.map((r) => [r.pair, { mid: r.mid, asOf: r.asOf }]));
  const round = refreshRound(settings, fetched, previous);
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
