/**
 * A currency pair as the matching engine sees it. Prices are quote minor units per one whole base unit; amounts are
 * base minor units. Inside the engine both are small integers: a price is a count of ticks, an amount a count of lots,
 * so matching compares and subtracts plain numbers; the money (quote amounts, fees) is bigint, and so is a price level's
 * total of lots (many orders at one price may pass 2^53).
 */
import { PPM } from '../fees.js';

export interface Pair {
  code: string;
  base: string;
  quote: string;
  baseScale: number;
  quoteScale: number;
  /** Quote minor units per whole base unit between two allowed prices. */
  tickSize: bigint;
  /** Base minor units between two allowed amounts. */
  lotSize: bigint;
  minAmount: bigint;
  maxAmount: bigint;
  makerFeePpm: bigint;
  takerFeePpm: bigint;
  enabled: boolean;
}

/** What the engine needs of a pair: the two sizes, the value of one lot at one tick, and the fee rates. */
export interface PairUnits {
  lotSize: bigint;
  /** Quote minor units that one lot costs at a price of one tick: lot × tick / 10^baseScale, an exact integer. */
  quotePerLotTick: bigint;
  makerFeePpm: bigint;
  takerFeePpm: bigint;
}

/**
 * Why a pair's configuration is unusable, or null. A lot at one tick must cost a whole number of quote minor units,
 * or trades could not settle exactly; a fee above 100% or a max below the min would be a typo.
 */
export function pairConfigProblem(pair: Pair): string | null {
  if (pair.tickSize <= 0n || pair.lotSize <= 0n) return 'tick and lot sizes must be positive';
  if ((pair.lotSize * pair.tickSize) % 10n ** BigInt(pair.baseScale) !== 0n) {
    return 'one lot at one tick must cost a whole number of quote minor units';
  }
  if (pair.minAmount < pair.lotSize || pair.maxAmount < pair.minAmount) return 'min/max amounts are inconsistent';
  if (pair.makerFeePpm < 0n || pair.makerFeePpm > PPM || pair.takerFeePpm < 0n || pair.takerFeePpm > PPM) {
    return 'fees must be between 0 and 100%';
  }
  // the engine keeps an order's ticks and lots in doubles: both must stay exact integers
  if (pair.maxAmount / pair.lotSize > BigInt(Number.MAX_SAFE_INTEGER)) return 'max amount has too many lots';
  return null;
}

export function pairUnits(pair: Pair): PairUnits {
  return {
    lotSize: pair.lotSize,
    quotePerLotTick: (pair.lotSize * pair.tickSize) / 10n ** BigInt(pair.baseScale),
    makerFeePpm: pair.makerFeePpm,
    takerFeePpm: pair.takerFeePpm,
  };
}

/** The highest price accepted, in ticks: keeps lots × ticks products far from overflow in quote amounts. */
export const MAX_PRICE_TICKS = 2 ** 48;
