/** How invoices look through the API: the merchant's full view, and the public one the checkout page polls. */
import { z } from '@hono/zod-openapi';
import type { Currency } from '../../domain/currencies.js';
import { formatPercent } from '../../domain/fees.js';
import { INVOICE_STATUSES } from '../../domain/invoices/status.js';
import { payableCurrencies } from '../../services/invoices/payable-currencies.js';
import type { Checkout } from '../../services/invoices/service.js';
import type { InvoicePayment } from '../../services/invoices/payments-store.js';
import type { LockedQuote } from '../../services/invoices/quotes-store.js';
import type { Invoice } from '../../services/invoices/store.js';
import type { ApiDeps } from '../context.js';
import { money } from '../http/money.js';

const QuoteView = z
  .object({
    currency: z.string(),
    price: z.string().openapi({ description: 'The locked price of one unit of this currency in the invoice currency' }),
    amount_due: z.string().openapi({ description: 'What settles the invoice in this currency, conversion fee included' }),
    conversion_fee: z.string(),
    locked_at: z.string(),
  })
  .openapi('InvoiceQuote');

const PaymentView = z
  .object({
    id: z.string(),
    source: z.enum(['deposit', 'balance']),
    currency: z.string(),
    amount: z.string(),
    state: z.enum(['seen', 'final', 'dropped']).openapi({ description: 'final: credited after its confirmations' }),
    seen_at: z.string(),
    late: z.boolean().openapi({ description: 'Seen after the invoice expired' }),
    disposition: z
      .enum(['settlement', 'late', 'returned'])
      .nullable()
      .openapi({ description: "Where its money went: the settlement, or to the merchant's balance as paid (late, returned)" }),
  })
  .openapi('InvoicePayment');

export const InvoiceView = z
  .object({
    id: z.string(),
    status: z.enum(INVOICE_STATUSES),
    currency: z.string(),
    amount: z.string(),
    accepted_currencies: z.array(z.string()).openapi({ description: 'The currencies the invoice was made to accept' }),
    payable_currencies: z.array(z.string()).openapi({
      description:
        'Those of accepted_currencies a payer can still choose: one an operator disabled since is left out (the invoice currency always stays)',
    }),
    description: z.string().nullable(),
    order_id: z.string().nullable(),
    metadata: z.record(z.string(), z.unknown()),
    callback_url: z.string().nullable(),
    redirect_url: z.string().nullable(),
    checkout_url: z.string().openapi({
      description: 'The public checkout page (no login), an absolute URL under PUBLIC_URL',
      example: 'https://pay.example.com/pay/0b7e6a4e-2f7c-4d55-9a3e-3c1f0d2b9e11',
    }),
    fee_percent: z.string(),
    conversion_fee_percent: z.string(),
    settled_value: z.string().nullable(),
    fee: z.string().nullable(),
    marked_by: z.string().nullable().openapi({ description: 'The operator who marked it settled or invalid' }),
    mark_note: z.string().nullable(),
    expires_at: z.string(),
    monitoring_until: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    quotes: z.array(QuoteView).optional(),
    payments: z.array(PaymentView).optional(),
  })
  .openapi('Invoice');

export const PublicInvoiceView = z
  .object({
    id: z.string(),
    status: z.enum(INVOICE_STATUSES),
    currency: z.string(),
    amount: z.string(),
    description: z.string().nullable(),
    accepted_currencies: z.array(z.string()).openapi({
      description:
        'The currencies the invoice can still be paid in: one an operator disabled since it was made is left out (the invoice currency always stays)',
    }),
    expires_at: z.string(),
    redirect_url: z.string().nullable(),
    quotes: z.array(QuoteView),
    payments: z.array(PaymentView),
  })
  .openapi('PublicInvoice');

export const CheckoutView = z
  .object({
    invoice_id: z.string(),
    currency: z.string(),
    amount_due: z
      .string()
      .openapi({ description: 'What is left to pay in this currency at its locked price (all of it until a payment is final)' }),
    conversion_fee: z.string().openapi({ description: 'The part of amount_due that is conversion fee' }),
    price: z.string(),
    chain: z.string().nullable(),
    address: z.string().nullable().openapi({ description: 'Send the amount due here; null when payable from a balance only' }),
    destination_tag: z.string().nullable().openapi({ description: 'XRPL: the tag to include' }),
    payment_uri: z.string().nullable().openapi({ description: 'What the QR code encodes' }),
    expires_at: z.string(),
  })
  .openapi('InvoiceCheckout');

async function currencyOf(deps: ApiDeps, code: string): Promise<Currency> {
  return (await deps.currencies.get(code))!;
}

async function quoteView(deps: ApiDeps, q: LockedQuote) {
  const currency = await currencyOf(deps, q.currency);
  return {
    currency: q.currency,
    price: q.price,
    amount_due: money(q.due, currency),
    conversion_fee: money(q.conversionFee, currency),
    locked_at: q.lockedAt.toISOString(),
  };
}

async function paymentView(deps: ApiDeps, invoice: Invoice, p: InvoicePayment) {
  return {
    id: p.id,
    source: p.source,
    currency: p.currency,
    amount: money(p.amount, await currencyOf(deps, p.currency)),
    state: p.state,
    seen_at: p.seenAt.toISOString(),
    late: p.seenAt > invoice.expiresAt,
    disposition: p.disposition,
  };
}

export async function invoiceView(deps: ApiDeps, i: Invoice, details?: { quotes: LockedQuote[]; payments: InvoicePayment[] }) {
  const currency = await currencyOf(deps, i.currency);
  return {
    id: i.id,
    status: i.status,
    currency: i.currency,
    amount: money(i.amount, currency),
    accepted_currencies: i.acceptedCurrencies,
    payable_currencies: await payableCurrencies(deps, i),
    description: i.description,
    order_id: i.orderId,
    metadata: i.metadata,
    callback_url: i.callbackUrl,
    redirect_url: i.redirectUrl,
    checkout_url: `${deps.settings.invoices.publicUrl}/pay/${i.id}`,
    fee_percent: formatPercent(i.feePpm),
    conversion_fee_percent: formatPercent(i.conversionFeePpm),
    settled_value: i.settledValue === null ? null : money(i.settledValue, currency),
    fee: i.fee === null ? null : money(i.fee, currency),
    marked_by: i.markedBy,
    mark_note: i.markNote,
    expires_at: i.expiresAt.toISOString(),
    monitoring_until: i.monitoringUntil.toISOString(),
    created_at: i.createdAt.toISOString(),
    updated_at: i.updatedAt.toISOString(),
    ...(details
      ? {
          quotes: await Promise.all(details.quotes.map((q) => quoteView(deps, q))),
          payments: await Promise.all(details.payments.map((p) => paymentView(deps, i, p))),
        }
      : {}),
  };
}

export async function publicInvoiceView(deps: ApiDeps, i: Invoice, quotes: LockedQuote[], payments: InvoicePayment[]) {
  return {
    id: i.id,
    status: i.status,
    currency: i.currency,
    amount: money(i.amount, await currencyOf(deps, i.currency)),
    description: i.description,
    accepted_currencies: await payableCurrencies(deps, i),
    expires_at: i.expiresAt.toISOString(),
    redirect_url: i.redirectUrl,
    quotes: await Promise.all(quotes.map((q) => quoteView(deps, q))),
    payments: await Promise.all(payments.map((p) => paymentView(deps, i, p))),
  };
}

/**
 * A wallet-readable payment request for what is left to pay (as the page's "send exactly"): EIP-681 on EVM in minor
 * units (tokens by their contract), the address and tag on XRPL.
 */
function paymentUri(currency: Currency, checkout: Checkout, amountDue: string): string | null {
  const d = checkout.destination;
  if (!d) return null;
  if (currency.network === 'xrpl') return `xrpl:${d.address}?dt=${d.destinationTag}&amount=${amountDue}`;
  const chainId = d.chain.replace(/^evm-/, '');
  if (currency.tokenContract)
    return `ethereum:${currency.tokenContract}@${chainId}/transfer?address=${d.address}&uint256=${checkout.due.amount}`;
  return `ethereum:${d.address}@${chainId}?value=${checkout.due.amount}`;
}

export function checkoutView(invoice: Invoice, currency: Currency, checkout: Checkout) {
  const amountDue = money(checkout.due.amount, currency);
  return {
    invoice_id: invoice.id,
    currency: currency.code,
    amount_due: amountDue,
    conversion_fee: money(checkout.due.conversionFee, currency),
    price: checkout.quote.price,
    chain: checkout.destination?.chain ?? null,
    address: checkout.destination?.address ?? null,
    destination_tag: checkout.destination?.destinationTag?.toString() ?? null,
    payment_uri: paymentUri(currency, checkout, amountDue),
    expires_at: invoice.expiresAt.toISOString(),
  };
}
