/**
 * Which of an invoice's accepted currencies a payer can still choose: an operator may disable one after the invoice
 * was made, and checkout then refuses it, but never the invoice's own.
 */
import type { Currency } from '../../domain/currencies.js';
import type { CurrencyCatalog } from '../currencies/catalog.js';
import type { Invoice } from './store.js';

/** Whether checkout still offers `currency` (accepted or not): enabled, or the invoice's own. */
export const isPayableIn = (invoice: Pick<Invoice, 'currency'>, currency: Currency): boolean =>
  currency.enabled || currency.code === invoice.currency;

/**
 * The accepted currencies a payer can still choose, in the invoice's order: what the checkout page offers and the
 * payer's views list (one an operator disabled since the invoice was made is left out; the invoice's own stays), and
 * what the console does not mark disabled.
 */
export async function payableCurrencies(
  deps: { currencies: Pick<CurrencyCatalog, 'get'> },
  invoice: Pick<Invoice, 'currency' | 'acceptedCurrencies'>,
): Promise<string[]> {
  const payable: string[] = [];
  for (const code of invoice.acceptedCurrencies) {
    const currency = await deps.currencies.get(code);
    if (currency && isPayableIn(invoice, currency)) payable.push(code);
  }
  return payable;
}
