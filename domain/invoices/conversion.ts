/**
 * Paying an invoice in another currency: the price of the paying currency in the invoice's currency is locked when
 * the customer picks it, and the invoice's conversion fee is added on top. Everything is exact minor units, and every
 * rounding favours the house: what the customer owes rounds up, what a payment is worth rounds down.
 */
import { PPM } from '../fees.js';
import { divCeil } from '../money.js';

const DECIMAL_PRICE = /^(\d{1,30})(?:\.(\d{1,30}))?$/;

/** A positive decimal price as an exact fraction: "3012.5" → 30125 / 10. */
export interface Price {
  numerator: bigint;
  denominator: bigint;
}

export function parsePrice(text: string): Price | null {
  const match = DECIMAL_PRICE.exec(text);
  if (!match) return null;
  const fraction = match[2] ?? '';
  const numerator = BigInt((match[1] ?? '') + fraction);
  if (numerator === 0n) return null;
  return { numerator, denominator: 10n ** BigInt(fraction.length) };
}

/** What the customer owes in the paying currency: the converted amount, the conversion fee on it, and their sum. */
export interface Quote {
  /** The invoice's amount converted at the locked price, rounded up to the paying currency's minor unit. */
  base: bigint;
  /** due − base: the fee as the rounded total charges it. */
  conversionFee: bigint;
  /** The exact converted amount plus its conversion fee, rounded up once: what settles the invoice. */
  due: bigint;
}

export interface QuoteInput {
  /** The invoice's amount, in its currency's minor units. */
  amount: bigint;
  invoiceScale: number;
  payScale: number;
  /** The price of one unit of the paying currency in the invoice's currency ("ETH at 3012.50 USD"). */
  price: Price;
  conversionFeePpm: bigint;
}

/**
 * amount / price, moved from the invoice's scale to the paying currency's; the total with the fee is computed on the
 * exact fraction and rounded up once (rounding the converted amount and the fee up apart could charge a unit more).
 */
export function quoteFor(q: QuoteInput): Quote {
  const numerator = q.amount * 10n ** BigInt(q.payScale) * q.price.denominator;
  const denominator = q.price.numerator * 10n ** BigInt(q.invoiceScale);
  const base = divCeil(numerator, denominator);
  const due = divCeil(numerator * (PPM + q.conversionFeePpm), denominator * PPM);
  return { base, conversionFee: due - base, due };
}

/** The invoice's own currency: owed as it is, without conversion or its fee. */
export const identityQuote = (amount: bigint): Quote => ({ base: amount, conversionFee: 0n, due: amount });

/** The least payment in the paying currency worth `value` in the invoice's currency (valueOfPayment's inverse). */
export function paymentWorth(value: bigint, quote: Quote, invoiceAmount: bigint): bigint {
  return divCeil(value * quote.due, invoiceAmount);
}

/**
 * What `paid` (in the paying currency) is worth in the invoice's currency, and the part of it that is conversion fee.
 * Paying exactly `due` is worth exactly the invoice's amount and carries exactly the quote's conversion fee.
 */
export function valueOfPayment(paid: bigint, quote: Quote, invoiceAmount: bigint): { value: bigint; conversionFee: bigint } {
  const value = (paid * invoiceAmount) / quote.due;
  const conversionFee = divCeil(paid * quote.conversionFee, quote.due);
  return { value, conversionFee: conversionFee > paid ? paid : conversionFee };
}

/**
 * The worth and conversion fee of a payment that follows `before` already paid in the same currency: the difference of
 * the totals' (valueOfPayment), so the parts add up to the whole's, to the minor unit, whatever each part rounds to.
 */
export function valueOfPart(
  before: bigint,
  paid: bigint,
  quote: Quote,
  invoiceAmount: bigint,
): { value: bigint; conversionFee: bigint } {
  const earlier = valueOfPayment(before, quote, invoiceAmount);
  const total = valueOfPayment(before + paid, quote, invoiceAmount);
  return { value: total.value - earlier.value, conversionFee: total.conversionFee - earlier.conversionFee };
}

/** `amount` (at `fromScale`) worth in the currency it is priced in (at `toScale`), rounded down: for limits. */
export function worthAt(amount: bigint, fromScale: number, toScale: number, price: Price): bigint {
  return (amount * price.numerator * 10n ** BigInt(toScale)) / (price.denominator * 10n ** BigInt(fromScale));
}
