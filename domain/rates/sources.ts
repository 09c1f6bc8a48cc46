/**
 * Where a pair's rate comes from, and the rules that turn sources into rates: an operator's static price, a formula
 * over other pairs (USDT-UAH = USDT-USD × USD-UAH), an exchange's ticker, or the pair's own last trade on our spot
 * exchange. Every rate carries the time its prices were observed, so one built on a ticker or a trade goes stale when
 * they stop coming.
 */
import { PPM } from '../fees.js';
import { invert, multiply, rate, type Rate } from './rate.js';

export const RATE_SOURCE_KINDS = ['static', 'formula', 'external', 'market'] as const;
export type RateSourceKind = (typeof RATE_SOURCE_KINDS)[number];

/** One factor of a formula: a pair's mid rate, or its inverse (the pair read from quote to base). */
export interface FormulaLeg {
  pair: string;
  invert: boolean;
}

/** A ccxt exchange id ("binance") and a unified market symbol ("BTC/USDT"), as rate_sources' checks allow them. */
export const EXCHANGE_ID = /^[a-z][a-z0-9]{1,29}$/;
export const MARKET_SYMBOL = /^[A-Z0-9]{1,20}\/[A-Z0-9]{1,20}$/;

export type RateSource =
  | { kind: 'static'; rate: Rate }
  | { kind: 'formula'; legs: FormulaLeg[] }
  /** `exchange` is a ccxt exchange id ("binance"), `symbol` its unified market symbol ("BTC/USDT"). */
  | { kind: 'external'; exchange: string; symbol: string }
  /** The pair's last trade price on our own spot exchange, observed when it traded. */
  | { kind: 'market' };

export interface RatePair {
  code: string;
  base: string;
  quote: string;
}

export interface RateSetting extends RatePair {
  source: RateSource;
  /** The house's margin on each side of the mid rate, in parts per million. */
  spreadPpm: bigint;
  /** How old the observed prices under a rate may be before it is refused for a quote. */
  maxAgeSeconds: number;
}

/** A rate's mid value and when the prices it stands on were observed (null: an operator's price, never stale). */
export interface Observation {
  mid: Rate;
  asOf: Date | null;
}

/** The rate a buyer of the base pays (mid plus the spread) and the one a seller gets (mid less the spread). */
export function ask(mid: Rate, spreadPpm: bigint): Rate {
  return multiply(mid, rate(PPM + spreadPpm, PPM));
}

export function bid(mid: Rate, spreadPpm: bigint): Rate {
  return multiply(mid, rate(PPM - spreadPpm, PPM));
}

/** Whether a rate observed at `asOf` is too old to quote at `now`. */
export function isStale(asOf: Date | null, maxAgeSeconds: number, now: Date): boolean {
  return asOf !== null && now.getTime() - asOf.getTime() > maxAgeSeconds * 1000;
}

/** The oldest observation time of several (a formula is as old as its oldest observed leg); null if none is observed. */
export function oldest(times: Array<Date | null>): Date | null {
  const observed = times.filter((t): t is Date => t !== null);
  return observed.length === 0 ? null : new Date(Math.min(...observed.map((t) => t.getTime())));
}

/** A formula's value from its legs' current observations, or null while a leg has none. */
export function formulaValue(legs: FormulaLeg[], known: ReadonlyMap<string, Observation>): Observation | null {
  let mid: Rate = { num: 1n, den: 1n };
  const times: Array<Date | null> = [];
  for (const leg of legs) {
    const observed = known.get(leg.pair);
    if (!observed) return null;
    mid = multiply(mid, leg.invert ? invert(observed.mid) : observed.mid);
    times.push(observed.asOf);
  }
  return { mid, asOf: oldest(times) };
}

/**
 * Why a formula cannot price `pair`, or null: its legs must chain from the pair's base to its quote (each leg starting
 * in the currency the one before ended in), name known pairs, and not depend on the pair itself, however indirectly.
 */
export function formulaProblem(pair: RatePair, legs: FormulaLeg[], settings: ReadonlyMap<string, RateSetting>): string | null {
  if (legs.length === 0 || legs.length > 4) return 'a formula has 1 to 4 legs';
  let at = pair.base;
  for (const [i, leg] of legs.entries()) {
    const legPair = settings.get(leg.pair);
    if (!legPair) return `leg ${i + 1}: unknown pair ${leg.pair}`;
    const [from, to] = leg.invert ? [legPair.quote, legPair.base] : [legPair.base, legPair.quote];
    if (from !== at) return `leg ${i + 1} (${leg.invert ? '1/' : ''}${leg.pair}) starts in ${from}, not ${at}`;
    at = to;
  }
  if (at !== pair.quote) return `the legs end in ${at}, not ${pair.quote}`;
  const seen = new Set<string>();
  const dependsOnPair = (code: string): boolean => {
    if (code === pair.code) return true;
    if (seen.has(code)) return false;
    seen.add(code);
    const source = settings.get(code)?.source;
    return source?.kind === 'formula' && source.legs.some((l) => dependsOnPair(l.pair));
  };
  if (legs.some((l) => dependsOnPair(l.pair))) return 'the formula depends on its own pair';
  return null;
}

/**
 * Every pair's new observation for one refresh: static prices as set, tickers and last trades as fetched (`fetched`;
 * a pair whose ticker failed, or that never traded, keeps no new value), formulas in dependency order over this round's values and, for legs without one,
 * the last stored (`previous`), so a formula built on a failed ticker ages with it.
 */
export function refreshRound(
  settings: RateSetting[],
  fetched: ReadonlyMap<string, Observation>,
  previous: ReadonlyMap<string, Observation>,
): Map<string, Observation> {
  const round = new Map<string, Observation>();
  for (const s of settings) {
    if (s.source.kind === 'static') round.set(s.code, { mid: s.source.rate, asOf: null });
    if ((s.source.kind === 'external' || s.source.kind === 'market') && fetched.has(s.code))
      round.set(s.code, fetched.get(s.code)!);
  }
  const known = new Map([...previous, ...round]);
  let pending = settings.filter((s) => s.source.kind === 'formula');
  // a formula is evaluated once its formula legs are; formulaProblem rules out cycles when a formula is saved
  while (pending.length > 0) {
    const waiting = new Set(pending.map((s) => s.code));
    const ready = pending.filter((s) => s.source.kind === 'formula' && s.source.legs.every((l) => !waiting.has(l.pair)));
    if (ready.length === 0) break;
    for (const s of ready) {
      const value = s.source.kind === 'formula' ? formulaValue(s.source.legs, known) : null;
      if (value) {
        round.set(s.code, value);
        known.set(s.code, value);
      }
    }
    pending = pending.filter((s) => !ready.includes(s));
  }
  return round;
}

/**
 * Of the newest stored rates, those that are their pair's price under its current source. One recorded under another
 * kind of source is not: a static price left from before an operator pointed the pair at an exchange or its market
 * has no observation time, so it would never go stale, and quotes would go on using it while the new source fails.
 * A formula's is a price only while each of its legs is (its value was built on theirs).
 */
export function currentPrices<T extends { pair: string; source: RateSourceKind }>(
  stored: T[],
  settings: RateSetting[],
): Map<string, T> {
  const byPair = new Map(settings.map((s) => [s.code, s]));
  const priced = new Map(stored.filter((r) => byPair.get(r.pair)?.source.kind === r.source).map((r) => [r.pair, r]));
  // a leg may itself be a formula that loses its price: again until nothing is dropped (formulaProblem rules out cycles)
  for (let dropped = true; dropped;) {
    dropped = false;
    for (const pair of priced.keys()) {
      const source = byPair.get(pair)!.source;
      if (source.kind === 'formula' && source.legs.some((l) => !priced.has(l.pair))) {
        priced.delete(pair);
        dropped = true;
      }
    }
  }
  return priced;
}
