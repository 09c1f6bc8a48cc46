/**
 * Converting between two currencies at the current rates: the shortest chain of pairs from one to the other (BTC to
 * UAH through BTC-USDT, USDT-USD and USD-UAH), each read forwards (mid) or backwards (1 / mid).
 */
import { divCeil } from '../money.js';
import { invert, multiply, type Rate } from './rate.js';
import type { Observation, RatePair } from './sources.js';

export interface CurrentRate extends RatePair, Observation {
  spreadPpm: bigint;
  maxAgeSeconds: number;
}

/** A directional rate: whole units of `to` per whole unit of `from`, and the pairs it was built from. */
export interface Conversion {
  from: string;
  to: string;
  rate: Rate;
  path: Array<{ pair: string; inverted: boolean }>;
}

const MAX_HOPS = 4;

/** The shortest path of pairs from `from` to `to` (breadth first), or null when the pairs do not connect them. */
export function conversionPath(from: string, to: string, pairs: RatePair[]): Conversion['path'] | null {
  if (from === to) return [];
  const previous = new Map<string, { currency: string; pair: string; inverted: boolean }>();
  let frontier = [from];
  const seen = new Set([from]);
  for (let hop = 0; hop < MAX_HOPS && frontier.length > 0; hop++) {
    const next: string[] = [];
    for (const at of frontier) {
      for (const p of pairs) {
        const step = p.base === at ? { to: p.quote, inverted: false } : p.quote === at ? { to: p.base, inverted: true } : null;
        if (!step || seen.has(step.to)) continue;
        seen.add(step.to);
        previous.set(step.to, { currency: at, pair: p.code, inverted: step.inverted });
        next.push(step.to);
      }
    }
    if (seen.has(to)) {
      const path: Conversion['path'] = [];
      for (let at = to; at !== from;) {
        const step = previous.get(at)!;
        path.unshift({ pair: step.pair, inverted: step.inverted });
        at = step.currency;
      }
      return path;
    }
    frontier = next;
  }
  return null;
}

/** The mid rate along `path` (1 for an empty path). */
export function rateAlong(path: Conversion['path'], rates: ReadonlyMap<string, Observation>): Rate {
  return path.reduce<Rate>(
    (acc, step) => {
      const mid = rates.get(step.pair)!.mid;
      return multiply(acc, step.inverted ? invert(mid) : mid);
    },
    { num: 1n, den: 1n },
  );
}

/**
 * `amount` minor units of a currency with `fromScale` decimals, in minor units of one with `toScale` decimals at `rate`
 * (whole `to` units per whole `from` unit), rounded down or up: the caller says which way favours the house.
 */
export function convertMinor(amount: bigint, rate: Rate, fromScale: number, toScale: number, rounding: 'down' | 'up'): bigint {
  const num = amount * rate.num * 10n ** BigInt(toScale);
  const den = rate.den * 10n ** BigInt(fromScale);
  return rounding === 'down' ? num / den : divCeil(num, den);
}
