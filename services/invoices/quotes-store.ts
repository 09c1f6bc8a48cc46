/** The prices locked for an invoice, one per paying currency, kept for the invoice's life. */
import type { Quote } from '../../domain/invoices/conversion.js';
import type { QuoteFact } from '../../domain/invoices/facts.js';
import type { Db } from '../../platform/db/client.js';

export interface LockedQuote extends Quote {
  currency: string;
  price: string;
  lockedAt: Date;
}

const toQuote = (r: Record<string, unknown>): LockedQuote => ({
  currency: r.currency as string,
  price: r.price as string,
  base: r.base as bigint,
  conversionFee: r.conversionFee as bigint,
  due: r.due as bigint,
  lockedAt: r.lockedAt as Date,
});

export async function quotesOf(db: Db, invoiceId: string): Promise<LockedQuote[]> {
  return (await db`select * from invoice_quotes where invoice_id = ${invoiceId} order by locked_at, currency`).map(toQuote);
}

/** Stores the quote unless one is locked for the currency already; answers the one that holds. */
export async function lockQuote(db: Db, invoiceId: string, quote: Omit<LockedQuote, 'lockedAt'>): Promise<LockedQuote> {
  await db`
    insert into invoice_quotes (invoice_id, currency, price, base, conversion_fee, due)
    values (${invoiceId}, ${quote.currency}, ${quote.price}, ${quote.base.toString()}, ${quote.conversionFee.toString()},
            ${quote.due.toString()})
    on conflict do nothing`;
  const [row] = await db`select * from invoice_quotes where invoice_id = ${invoiceId} and currency = ${quote.currency}`;
  return toQuote(row!);
}

export const quoteFact = (q: LockedQuote): QuoteFact => ({
  currency: q.currency,
  base: q.base.toString(),
  conversionFee: q.conversionFee.toString(),
  due: q.due.toString(),
});
