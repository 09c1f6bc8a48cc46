/**
 * An exchange rate as an exact fraction: how many whole units of the quote currency one whole unit of the base is
 * worth. Rates come in as decimal strings (an operator's price, an exchange's ticker) and are multiplied (formulas),
 * inverted (a swap in the other direction) and marked up (spreads): as fractions of bigints none of that ever rounds.
 * Only a displayed rate is rounded, and only an amount in minor units is, where the house's favour decides the way.
 */

export interface Rate {
  num: bigint;
  den: bigint;
}

/** The most digits a rate is given with on either side of the point: a static price written with this many is exact. */
export const RATE_DIGITS = 40;
const DECIMAL = new RegExp(`^(\\d{1,${RATE_DIGITS}})(?:\\.(\\d{1,${RATE_DIGITS}}))?$`);

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** The fraction in lowest terms; both parts positive. */
export function rate(num: bigint, den: bigint): Rate {
  if (num <= 0n || den <= 0n) throw new RangeError('a rate is a positive fraction');
  const d = gcd(num, den);
  return { num: num / d, den: den / d };
}

/** "41.2345" → 412345/10000, exactly; null when the text is not a positive decimal. */
export function parseRate(text: string): Rate | null {
  const match = DECIMAL.exec(text);
  if (!match) return null;
  const [, whole = '', fraction = ''] = match;
  const num = BigInt(whole + fraction);
  if (num === 0n) return null;
  return rate(num, 10n ** BigInt(fraction.length));
}

/** The rate as a decimal string with at most `places` decimals, rounded half up (for display only). */
export function formatRate(r: Rate, places = 12): string {
  const scale = 10n ** BigInt(places);
  const scaled = (r.num * scale * 2n + r.den) / (2n * r.den);
  const digits = scaled.toString().padStart(places + 1, '0');
  const whole = digits.slice(0, digits.length - places);
  const fraction = digits.slice(digits.length - places).replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : whole;
}

export function multiply(a: Rate, b: Rate): Rate {
  return rate(a.num * b.num, a.den * b.den);
}

/** Quote per base becomes base per quote. */
export function invert(r: Rate): Rate {
  return { num: r.den, den: r.num };
}

export function sameRate(a: Rate, b: Rate): boolean {
  return a.num * b.den === b.num * a.den;
}

export function compareRates(a: Rate, b: Rate): number {
  const left = a.num * b.den;
  const right = b.num * a.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** The middle of two prices, (a + b) / 2: an exchange's bid and ask become one mid rate. */
export function midpoint(a: Rate, b: Rate): Rate {
  return rate(a.num * b.den + b.num * a.den, 2n * a.den * b.den);
}
