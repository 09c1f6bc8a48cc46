/**
 * Operators' changes to rates: a pair's source, spread and maximum age; a static price takes effect at once, and so do
 * the formulas built on it.
 */
import { DomainError, ErrorCode, type FieldIssue } from '../../domain/errors.js';
import { parsePercent } from '../../domain/fees.js';
import { parseRate } from '../../domain/rates/rate.js';
import {
  EXCHANGE_ID,
  formulaProblem,
  MARKET_SYMBOL,
  type FormulaLeg,
  type RateSetting,
  type RateSource,
  type RateSourceKind,
} from '../../domain/rates/sources.js';
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

/** A source as an operator gives it, in text (the ops API's JSON, the console's form). */
export interface RateSourceInput {
  pair: string;
  kind: RateSourceKind;
  rate?: string;
  legs?: FormulaLeg[];
  exchange?: string;
  symbol?: string;
  spreadPercent: string;
  maxAgeSeconds: number;
}

/** An operator's input checked into a change; what is wrong is refused naming every field at fault. */
export function rateSourceChange(input: RateSourceInput): RateSourceChange {
  const issues: FieldIssue[] = [];
  const spread = parsePercent(input.spreadPercent);
  if (!spread.ok) issues.push({ path: 'spread_percent', message: spread.reason });
  else if (spread.ppm > 500_000n) issues.push({ path: 'spread_percent', message: 'must not exceed 50' });
  if (!Number.isInteger(input.maxAgeSeconds) || input.maxAgeSeconds < 1 || input.maxAgeSeconds > 86_400)
    issues.push({ path: 'max_age_seconds', message: 'must be a whole number of seconds from 1 to 86400' });
  let source: RateSource | null = null;
  if (input.kind === 'static') {
    const rate = parseRate(input.rate ?? '');
    if (rate) source = { kind: 'static', rate };
    else issues.push({ path: 'rate', message: 'must be a positive decimal' });
  } else if (input.kind === 'formula') {
    if (input.legs && input.legs.length >= 1 && input.legs.length <= 4) source = { kind: 'formula', legs: input.legs };
    else issues.push({ path: 'legs', message: 'must be one to four pairs' });
  } else if (input.kind === 'external') {
    const exchange = input.exchange ?? '';
    const symbol = input.symbol ?? '';
    if (!EXCHANGE_ID.test(exchange)) issues.push({ path: 'exchange', message: 'must be a ccxt exchange id such as "binance"' });
    if (!MARKET_SYMBOL.test(symbol)) issues.push({ path: 'symbol', message: 'must be a unified symbol such as "BTC/USDT"' });
    source = { kind: 'external', exchange, symbol };
  } else {
    source = { kind: 'market' };
  }
  if (issues.length > 0 || !source || !spread.ok)
    throw new DomainError(ErrorCode.ValidationFailed, 'the rate source needs correcting', issues);
  return { pair: input.pair, source, spreadPpm: spread.ppm, maxAgeSeconds: input.maxAgeSeconds };
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
export async function switchPair(
  deps: { sql: Sql; rates: Pick<CurrentRates, 'forget'> },
  code: string,
  enabled: boolean,
  operatorId: string,
) {
  if (!(await loadRatePairs(deps.sql)).some((p) => p.code === code)) {
    throw new DomainError(ErrorCode.UnknownPair, `unknown pair ${code}`, [{ path: 'pair', message: 'unknown pair' }]);
  }
  await setPairEnabled(deps.sql, code, enabled, operatorId);
  deps.rates.forget();
}
