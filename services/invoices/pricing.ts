/**
 * Locking an invoice's price in a paying currency: the current rate, converted with the invoice's conversion fee
 * (domain/invoices/conversion.ts), stored once and kept for the invoice's life. The rate comes from a PriceSource
 * (the rates feature's current rates, `ratesPriceSource`); without one, only the invoice's own currency can be paid.
 */
import { identityQuote, quoteFor, type Price } from '../../domain/invoices/conversion.js';
import { formatRate, type CurrentRates } from '../rates/client.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { CurrencyCatalog } from '../currencies/catalog.js';
import type { Db } from '../../platform/db/client.js';
import { lockQuote, quotesOf, type LockedQuote } from './quotes-store.js';
import type { Invoice } from './store.js';

/** The current price of one unit of `currency` in `inCurrency` (and as shown); refuses (503) when it has none. */
export interface PriceSource {
  priceOf(currency: string, inCurrency: string): Promise<{ price: Price; text: string }>;
}

/** Prices from the rates feature: its fresh mid rate, through as few pairs as connect the two currencies. */
export function ratesPriceSource(rates: CurrentRates): PriceSource {
  return {
    async priceOf(currency, inCurrency) {
      const { rate } = await rates.lockRate(currency, inCurrency);
      return { price: { numerator: rate.num, denominator: rate.den }, text: formatRate(rate) };
    },
  };
}

/** Why `currency` cannot be priced in `inCurrency` now (what checkout would refuse it for), or null when it can. */
export async function pricingRefusal(prices: PriceSource | null, currency: string, inCurrency: string): Promise<string | null> {
  if (!prices) return `no exchange rate source prices ${currency} in ${inCurrency}`;
  try {
    await prices.priceOf(currency, inCurrency);
    return null;
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.RateUnavailable) return error.message;
    throw error;
  }
}

export interface PricingDeps {
  sql: Db;
  currencies: CurrencyCatalog;
  prices: PriceSource | null;
}

/** The quote locked for `currency`, locking it at the current price the first time. */
export async function lockedQuote(deps: PricingDeps, invoice: Invoice, currency: string): Promise<LockedQuote> {
  const existing = (await quotesOf(deps.sql, invoice.id)).find((q) => q.currency === currency);
  if (existing) return existing;
  if (currency === invoice.currency)
    return lockQuote(deps.sql, invoice.id, { currency, price: '1', ...identityQuote(invoice.amount) });
  if (!deps.prices)
    throw new DomainError(ErrorCode.Unavailable, `no exchange rate source to price ${currency} in ${invoice.currency}`);
  const [paying, invoiced] = await Promise.all([deps.currencies.get(currency), deps.currencies.get(invoice.currency)]);
  if (!paying || !invoiced)
    throw new DomainError(ErrorCode.UnknownCurrency, `unknown currency ${paying ? invoice.currency : currency}`);
  const { price, text } = await deps.prices.priceOf(currency, invoice.currency);
  const quote = quoteFor({
    amount: invoice.amount,
    invoiceScale: invoiced.scale,
    payScale: paying.scale,
    price,
    conversionFeePpm: invoice.conversionFeePpm,
  });
  return lockQuote(deps.sql, invoice.id, { currency, price: text, ...quote });
}
