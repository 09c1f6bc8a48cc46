/**
 * A fast-exchange quote's arithmetic. The user pays `amountIn` of the source currency; the fee (parts per million of
 * it) goes to the house; the rest buys `amountOut` of the target at the pair's rate on the user's side of the spread.
 * Every rounding favours the house, to the minor unit: the fee rounds up, what the user receives rounds down, and
 * what the user pays for a wanted amount rounds up to the least that buys it.
 */
import { PPM } from '../fees.js';
import { divCeil } from '../money.js';
import { ask, bid } from '../rates/sources.js';
import { invert, type Rate } from '../rates/rate.js';

export interface SwapTerms {
  /** Whole target units per whole source unit, spread applied. */
  rate: Rate;
  feePpm: bigint;
  fromScale: number;
  toScale: number;
}

export interface SwapAmounts {
  amountIn: bigint;
  fee: bigint;
  amountOut: bigint;
}

/** The rate a swap from `from` gets on a pair: a seller of the base gets the bid, a buyer pays the ask. */
export function swapRate(pair: { base: string; quote: string }, from: string, mid: Rate, spreadPpm: bigint): Rate {
  return from === pair.base ? bid(mid, spreadPpm) : invert(ask(mid, spreadPpm));
}

/** Target minor units per source minor unit, as one fraction N/D. */
function minorRate(terms: SwapTerms): { n: bigint; d: bigint } {
  return { n: terms.rate.num * 10n ** BigInt(terms.toScale), d: terms.rate.den * 10n ** BigInt(terms.fromScale) };
}

function feeOn(amountIn: bigint, feePpm: bigint): bigint {
  return divCeil(amountIn * feePpm, PPM);
}

/** What paying `amountIn` buys; `amountOut` may be 0 when the amount is too small to buy one minor unit. */
export function quoteForAmountIn(amountIn: bigint, terms: SwapTerms): SwapAmounts {
  const fee = feeOn(amountIn, terms.feePpm);
  const { n, d } = minorRate(terms);
  return { amountIn, fee, amountOut: ((amountIn - fee) * n) / d };
}

/** The least the user pays to receive exactly `amountOut`, and its fee. */
export function quoteForAmountOut(amountOut: bigint, terms: SwapTerms): SwapAmounts {
  if (terms.feePpm >= PPM) throw new RangeError('a fee of 100% buys nothing');
  const { n, d } = minorRate(terms);
  // the least net amount whose conversion, rounded down, reaches amountOut
  const net = divCeil(amountOut * d, n);
  // the least amountIn with amountIn − fee(amountIn) ≥ net; fee(a) grows by at most 1 per unit, so a few steps settle it
  let amountIn = divCeil(net * PPM, PPM - terms.feePpm);
  while (amountIn - feeOn(amountIn, terms.feePpm) < net) amountIn += 1n;
  while (amountIn > 1n && amountIn - 1n - feeOn(amountIn - 1n, terms.feePpm) >= net) amountIn -= 1n;
  return { amountIn, fee: feeOn(amountIn, terms.feePpm), amountOut };
}
