/**
 * Money at the edges: decimal strings ("12.345") outside, bigint minor units (drops, wei, cents) inside.
 * Floats never touch an amount.
 */

/** Largest amount accepted in one request: far above any real balance, far below NUMERIC(78,0)'s limit, so sums stay safe. */
export const MAX_MINOR_UNITS = 10n ** 38n;

const DECIMAL = /^(-)?(\d{1,60})(?:\.(\d{1,60}))?$/;

export type ParsedAmount = { ok: true; value: bigint } | { ok: false; reason: string };

export interface ParseOptions {
  /** Allow a leading minus (admin adjustments debit with a negative amount). */
  signed?: boolean;
  /** Allow zero (limits and fees may be zero; payments may not). */
  allowZero?: boolean;
}

/** Parses a decimal string into minor units of a currency with `scale` decimal places. Never rounds. */
export function parseAmount(text: string, scale: number, options: ParseOptions = {}): ParsedAmount {
  const match = DECIMAL.exec(text);
  if (!match) return { ok: false, reason: 'must be a decimal string such as "12.50"' };
  const [, minus, whole = '', fraction = ''] = match;
  if (minus && !options.signed) return { ok: false, reason: 'must not be negative' };
  if (fraction.length > scale) {
    return { ok: false, reason: scale === 0 ? 'must be a whole number' : `must have at most ${scale} decimal places` };
  }
  const magnitude = BigInt(whole + fraction.padEnd(scale, '0'));
  if (magnitude > MAX_MINOR_UNITS) return { ok: false, reason: 'is too large' };
  if (magnitude === 0n && !options.allowZero)
    return { ok: false, reason: options.signed ? 'must not be zero' : 'must be greater than zero' };
  return { ok: true, value: minus ? -magnitude : magnitude };
}

/** Formats minor units as a decimal string with exactly `scale` decimal places ("1.50", "-0.000001"). */
export function formatAmount(minor: bigint, scale: number): string {
  const negative = minor < 0n;
  const digits = (negative ? -minor : minor).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${scale > 0 ? `.${fraction}` : ''}`;
}

/** As people read an amount in a message: `formatAmount` without the fraction's trailing zeros ("0.05", "12"). */
export function formatAmountForPeople(minor: bigint, scale: number): string {
  return formatAmount(minor, scale)
    .replace(/(\.\d*?)0+$/, '$1')
    .replace(/\.$/, '');
}

/** Integer division rounding up, for amounts and rates that are never negative (fees round in the house's favour). */
export function divCeil(numerator: bigint, denominator: bigint): bigint {
  if (numerator < 0n || denominator <= 0n) throw new RangeError('divCeil expects numerator >= 0 and denominator > 0');
  return (numerator + denominator - 1n) / denominator;
}
