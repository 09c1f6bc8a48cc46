/**
 * Operators' changes to rates: a pair's source, spread and maximum age; a static price takes effect at once, and so do
 * the formulas built on it.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { formulaProblem, type RateSetting, type RateSource } from '../../domain/rates/sources.js';
import type { Sql } from '../../platform/db/client.js';
import { setPairEnabled } from '../exchange/client.js';
import type { CurrentRates } from './current-rates.js';
import { knownExchange } from './exchange-tickers.js';
import { recomputeRates } from './refresh.js';
import { loadRatePairs, loadRateSettings, saveRateSetting } from './sources-store.js';

export interface RateSourceChange {
  pair: string;
  source: RateSource;
  spreadPpm: bigint;
  maxAgeSeconds: number;
}

export async function setRateSource(
  deps: { sql: Sql; rates: CurrentRates },
  change: RateSourceChange,
  operatorId: string,
): Promise<RateSetting> {
  const pair = (await loadRatePairs(deps.sql)).find((p) => p.code === change.pair);
  if (!pair)
    throw new DomainError(ErrorCode.UnknownPair, `unknown pair ${change.pair}`, [{ path: 'pair', message: 'unknown pair' }]);
  const setting: RateSetting = { ...pair, ...change, code: pair.code };
  if (change.source.kind === 'formula') {
    const settings = new Map((await loadRateSettings(deps.sql)).map((s) => [s.code, s]));
    settings.set(setting.code, setting);
    const problem = formulaProblem(pair, change.source.legs, settings);
    if (problem) throw new DomainError(ErrorCode.ValidationFailed, problem, [{ path: 'legs', message: problem }]);
  }
  if (change.source.kind === 'market' && !pair.spot) {
    throw new DomainError(ErrorCode.ValidationFailed, `${pair.code} has no order book to take a last trade from`, [
      { path: 'kind', message: 'market needs a spot pair' },
    ]);
  }
  if (change.source.kind === 'external' && !knownExchange(change.source.exchange)) {
    throw new DomainError(ErrorCode.ValidationFailed, `ccxt knows no exchange ${change.source.exchange}`, [
      { path: 'exchange', message: 'unknown exchange' },
    ]);
  }
  await deps.sql.begin(async (tx) => {
    await saveRateSetting(tx, setting, operatorId);
    // the static prices and the formulas over them, this change included, take effect now
    await recomputeRates(tx);
  });
  deps.rates.forget();
  return setting;
}

/** An operator enables or disables a pair (ops API and console): a disabled pair is neither traded nor swapped. */
export async function switchPair(deps: { sql: Sql; rates: Pick<CurrentRates, 'forget'> }, code: string, enabled: boolean) {
  if (!(await loadRatePairs(deps.sql)).some((p) => p.code === code)) {
    throw new DomainError(ErrorCode.UnknownPair, `unknown pair ${code}`, [{ path: 'pair', message: 'unknown pair' }]);
  }
  await setPairEnabled(deps.sql, code, enabled);
  deps.rates.forget();
}
