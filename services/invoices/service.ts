/**
 * Invoices' application layer: a merchant creates an invoice (checked against the USD limits at the current rate,
 * stored with its `invoice.created` event; the worker starts its workflow); a customer picks a currency to pay in (the
 * price locked, the destination handed out) or pays from a Sluice balance; operators mark invoices.
 */
import type { Currency, Network } from '../../domain/currencies.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { valueOfPayment, worthAt } from '../../domain/invoices/conversion.js';
import { isOpen, type OperatorMark } from '../../domain/invoices/status.js';
import { leftToPay, paymentForRest } from '../../domain/invoices/assessment.js';
import { acceptedSet, INVOICE_TERMS, type InvoiceTerms } from '../../domain/invoices/terms.js';
import { canonicalJson, repeatConflict } from '../../domain/idempotency-keys.js';
import { invoiceAccount } from '../../domain/invoices/ledger.js';
import { ledgerRefusal, moreThanAvailable, userAccountName } from '../../domain/ledger/engine.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import type { DepositAddress, DepositAddressProvider } from '../deposits/client.js';
import { commitGroups } from '../ledger/journal.js';
import type { CurrencyCatalog } from '../currencies/catalog.js';
import type { OrderCallback } from '../orders/client.js';
import { markInvoice, signalInvoicePayment } from './client.js';
import { lockedInvoiceFacts, reviewInvoice } from './lifecycle.js';
import { isPayableIn } from './payable-currencies.js';
import { balancePaymentByKey, insertBalancePayment, type InvoicePayment } from './payments-store.js';
import { lockedQuote, pricingRefusal, type PriceSource } from './pricing.js';
import type { LockedQuote } from './quotes-store.js';
import { LIMITS_CURRENCY, type InvoiceSettings } from './settings.js';
import { invoiceById, type Invoice } from './store.js';
import type { InvoiceWriter } from './writer.js';

export interface InvoiceDeps {
  sql: Sql;
  temporal: TemporalTarget;
  log: Logger;
  currencies: CurrencyCatalog;
  prices: PriceSource | null;
  settings: InvoiceSettings;
  /** Where invoices are paid on chain: the deposits feature's providers, per network. */
  destinations: Partial<Record<Network, DepositAddressProvider>>;
  writer: InvoiceWriter;
}

export const MIN_EXPIRES_IN_SECONDS = 60;
export const MAX_EXPIRES_IN_SECONDS = 7 * 86_400;

export interface NewInvoiceRequest {
  merchantId: string;
  idempotencyKey: string | null;
  currency: Currency;
  amount: bigint;
  acceptedCurrencies: Currency[];
  expiresInSeconds: number;
  description: string | null;
  orderId: string | null;
  metadata: Record<string, unknown>;
  /** Linked to the invoice in the transaction that stores it (a replay is linked by the route). */
  callback: OrderCallback | undefined;
  redirectUrl: string | null;
}

/** The invoice's amount in US cents at the current rate, checked against the limits. */
async function checkLimits(deps: InvoiceCreationDeps, currency: Currency, amount: bigint): Promise<void> {
  let cents = amount;
  if (currency.code !== LIMITS_CURRENCY) {
    if (!deps.prices)
      throw new DomainError(ErrorCode.Unavailable, `no exchange rate source to check ${currency.code} against the USD limits`);
    const usd = (await deps.currencies.get(LIMITS_CURRENCY))!;
    const { price } = await deps.prices.priceOf(currency.code, LIMITS_CURRENCY);
    cents = worthAt(amount, currency.scale, usd.scale, price);
  }
  if (cents < deps.settings.minUsd)
    throw new DomainError(ErrorCode.AmountBelowMinimum, 'the amount is below the invoice minimum', [
      { path: 'amount', message: `must be worth at least ${deps.settings.minUsd} US cents` },
    ]);
  if (cents > deps.settings.maxUsd)
    throw new DomainError(ErrorCode.AmountAboveMaximum, 'the amount is above the invoice maximum', [
      { path: 'amount', message: `must be worth at most ${deps.settings.maxUsd} US cents` },
    ]);
}

/** The accepted currencies with the request's field each came from, so that a refusal names it. */
const acceptedFields = (request: NewInvoiceRequest) =>
  request.acceptedCurrencies.map((currency, i) => ({ currency, field: `accepted_currencies.${i}` }));

function requireEnabled(request: NewInvoiceRequest): void {
  for (const { currency, field } of [{ currency: request.currency, field: 'currency' }, ...acceptedFields(request)]) {
    if (!currency.enabled)
      throw new DomainError(ErrorCode.CurrencyDisabled, `${currency.code} is disabled`, [
        { path: field, message: `${currency.code} is disabled` },
      ]);
  }
}

/** Each accepted currency priced in the invoice's now, as checkout will price it: no invoice is made that none can pay. */
async function requirePriced(deps: InvoiceCreationDeps, request: NewInvoiceRequest): Promise<void> {
  for (const { currency, field } of acceptedFields(request)) {
    if (currency.code === request.currency.code) continue;
    const refusal = await pricingRefusal(deps.prices, currency.code, request.currency.code);
    if (refusal)
      throw new DomainError(ErrorCode.CurrencyNotPayable, `the invoice cannot be paid in ${currency.code}: ${refusal}`, [
        { path: field, message: `${currency.code}: ${refusal}` },
      ]);
  }
}

/** What creating an invoice needs: no Temporal (the worker starts its workflow), no SQL outside the writer. */
export type InvoiceCreationDeps = Pick<InvoiceDeps, 'writer' | 'currencies' | 'prices' | 'settings'>;

export async function createInvoice(
  deps: InvoiceCreationDeps,
  request: NewInvoiceRequest,
): Promise<{ invoice: Invoice; replayed: boolean }> {
  if (request.expiresInSeconds < MIN_EXPIRES_IN_SECONDS || request.expiresInSeconds > MAX_EXPIRES_IN_SECONDS) {
    throw new DomainError(ErrorCode.ValidationFailed, 'expires_in is out of range', [
      { path: 'expires_in', message: `must be between ${MIN_EXPIRES_IN_SECONDS} and ${MAX_EXPIRES_IN_SECONDS} seconds` },
    ]);
  }
  requireEnabled(request);
  await checkLimits(deps, request.currency, request.amount);
  await requirePriced(deps, request);
  // stored as the creation time, so that a repeat's expires_in compares with the first's exactly
  const createdAt = new Date();
  const expiresAt = new Date(createdAt.getTime() + request.expiresInSeconds * 1000);
  // stored with its event in a shared transaction; the worker starts its workflow once that commits (writer.ts)
  const { invoice, created } = await deps.writer.store(
    {
      merchantId: request.merchantId,
      idempotencyKey: request.idempotencyKey,
      currency: request.currency.code,
      amount: request.amount,
      acceptedCurrencies: [...new Set(request.acceptedCurrencies.map((c) => c.code))],
      description: request.description,
      orderId: request.orderId,
      metadata: request.metadata,
      callbackUrl: request.callback?.url ?? null,
      redirectUrl: request.redirectUrl,
      feePpm: deps.settings.feePpm,
      conversionFeePpm: deps.settings.conversionFeePpm,
      createdAt,
      expiresAt,
      monitoringUntil: new Date(expiresAt.getTime() + deps.settings.monitoringWindowMs),
    },
    request.callback,
  );
  if (created) return { invoice, replayed: false };
  const conflict = repeatConflict(request.idempotencyKey!, 'invoice', storedTerms(invoice), requestTerms(request), INVOICE_TERMS);
  if (conflict) throw conflict;
  return { invoice, replayed: true };
}

const requestTerms = (r: NewInvoiceRequest): InvoiceTerms => ({
  currency: r.currency.code,
  amount: r.amount,
  acceptedCurrencies: acceptedSet(r.acceptedCurrencies.map((c) => c.code)),
  expiresInSeconds: r.expiresInSeconds,
  description: r.description,
  orderId: r.orderId,
  metadata: canonicalJson(r.metadata),
  callbackUrl: r.callback?.url ?? null,
  redirectUrl: r.redirectUrl,
});

const storedTerms = (i: Invoice): InvoiceTerms => ({
  currency: i.currency,
  amount: i.amount,
  acceptedCurrencies: acceptedSet(i.acceptedCurrencies),
  // rounded: invoices stored before the creation time was the service's took their transaction's, a little later
  expiresInSeconds: Math.round((i.expiresAt.getTime() - i.createdAt.getTime()) / 1000),
  description: i.description,
  orderId: i.orderId,
  metadata: canonicalJson(i.metadata),
  callbackUrl: i.callbackUrl,
  redirectUrl: i.redirectUrl,
});

/** The merchant's own invoice; another merchant's is not found (404, never 403: its existence is not told). */
export async function ownInvoice(deps: Pick<InvoiceDeps, 'sql'>, merchantId: string, id: string): Promise<Invoice> {
  const invoice = await invoiceById(deps.sql, id);
  if (!invoice || invoice.merchantId !== merchantId) throw new DomainError(ErrorCode.NotFound, 'no such invoice');
  return invoice;
}

export async function publicInvoice(deps: Pick<InvoiceDeps, 'sql'>, id: string): Promise<Invoice> {
  const invoice = await invoiceById(deps.sql, id);
  if (!invoice) throw new DomainError(ErrorCode.NotFound, 'no such invoice');
  return invoice;
}

/**
 * Whether a new payment may be asked for in `currency`: accepted, the invoice open, and the currency enabled. A currency
 * an operator disabled after the invoice was made takes no new checkout or balance payment, as it takes no new invoice;
 * the invoice's own currency stays payable (its amount is in it), and what was paid in either still counts.
 */
function requirePayable(invoice: Invoice, currency: Currency, field = 'currency'): void {
  if (!invoice.acceptedCurrencies.includes(currency.code)) {
    throw new DomainError(ErrorCode.ValidationFailed, `the invoice does not accept ${currency.code}`, [
      { path: field, message: `must be one of ${invoice.acceptedCurrencies.join(', ')}` },
    ]);
  }
  if (!isOpen(invoice.status) || Date.now() >= invoice.expiresAt.getTime()) {
    throw new DomainError(ErrorCode.InvoiceNotPayable, `the invoice is ${isOpen(invoice.status) ? 'expired' : invoice.status}`);
  }
  if (!isPayableIn(invoice, currency)) {
    throw new DomainError(ErrorCode.CurrencyDisabled, `${currency.code} is no longer accepted: pay in another currency`, [
      { path: field, message: `${currency.code} is disabled` },
    ]);
  }
}

export interface Checkout {
  quote: LockedQuote;
  /** What is left to pay in the chosen currency at its locked price, and the part of it that is conversion fee. */
  due: { amount: bigint; conversionFee: bigint };
  destination: DepositAddress | null;
}

/**
 * The customer picks a currency: its price is locked (once, for the invoice's life) and the invoice's destination on
 * that currency's network handed out (none for a currency only payable from a balance). What it asks for is what is
 * left once the final payments are counted, as a payment from a balance charges. A quote locked in a currency disabled
 * since stays stored: a payment already on its way to the destination is counted at its price (no money is stranded),
 * but checkout no longer hands it out (422 currency_disabled), so no customer is sent to pay in it again.
 */
export async function checkout(deps: InvoiceDeps, invoiceId: string, currency: Currency): Promise<Checkout> {
  const invoice = await publicInvoice(deps, invoiceId);
  requirePayable(invoice, currency);
  // its deposits brought in step and every payment's currency priced, as payFromBalance counts them
  const facts = await reviewInvoice(deps, invoice.id);
  if (leftToPay(facts) <= 0n) throw new DomainError(ErrorCode.InvoiceNotPayable, 'the invoice is paid');
  const quote = await lockedQuote(deps, invoice, currency.code);
  const amount = paymentForRest(facts, currency.code, quote);
  const due = { amount, conversionFee: valueOfPayment(amount, quote, invoice.amount).conversionFee };
  const provider = currency.network ? deps.destinations[currency.network] : undefined;
  const destination = provider
    ? await provider.invoiceDestination({ invoiceId: invoice.id, merchantId: invoice.merchantId })
    : null;
  return { quote, due, destination };
}

/**
 * A Sluice user pays what is left of the invoice from their balance in an accepted currency, at its locked price:
 * the payment row and the ledger transfer to the invoice's account commit together, once per Idempotency-Key. What is
 * left, and whether the invoice can still be paid, are decided under the invoice's row lock in that transaction, so
 * concurrent payments take turns and none pays what another already did (once nothing is left: 409). A deposit that
 * becomes final after that is an overpayment; one the chain made final before is brought in step first.
 */
export async function payFromBalance(
  deps: InvoiceDeps,
  request: { invoiceId: string; payerId: string; idempotencyKey: string; currency: Currency },
): Promise<{ payment: InvoicePayment; replayed: boolean }> {
  const invoice = await publicInvoice(deps, request.invoiceId);
  const replay = (payment: InvoicePayment) => {
    if (payment.invoiceId !== invoice.id || payment.currency !== request.currency.code)
      throw new DomainError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used for a different payment');
    return { payment, replayed: true };
  };
  const earlier = await balancePaymentByKey(deps.sql, request.payerId, request.idempotencyKey);
  if (earlier) return replay(earlier);
  requirePayable(invoice, request.currency);
  // its deposits credited and brought in step, every payment's currency priced: what the locked read below counts
  await reviewInvoice(deps, invoice.id);
  const quote = await lockedQuote(deps, invoice, request.currency.code);
  const result = await deps.sql.begin(async (tx) => {
    const { invoice: current, facts } = await lockedInvoiceFacts(tx, invoice.id);
    const concurrent = await balancePaymentByKey(tx, request.payerId, request.idempotencyKey);
    if (concurrent) return replay(concurrent); // the same key twice at once: the first one holds
    requirePayable(current, request.currency);
    const left = leftToPay(facts);
    if (left <= 0n) throw new DomainError(ErrorCode.InvoiceNotPayable, 'the invoice is paid');
    const amount = paymentForRest(facts, request.currency.code, quote);
    const { payment, created } = await insertBalancePayment(tx, {
      invoiceId: invoice.id,
      payerId: request.payerId,
      idempotencyKey: request.idempotencyKey,
      currency: request.currency.code,
      amount,
    });
    if (!created) return replay(payment); // the key used at once for another invoice
    const [outcome] = await commitGroups(tx, [
      {
        transfers: [
          {
            kind: 'posted',
            key: `invoice:${invoice.id}:payment:${payment.id}:from-balance`,
            debit: userAccountName(request.payerId),
            credit: invoiceAccount(invoice.id),
            currency: request.currency.code,
            amount,
            metadata: { type: 'invoice_payment', invoice_id: invoice.id },
          },
        ],
      },
    ]);
    // the payer would pay in another accepted currency, or top this one up
    const funds = moreThanAvailable('currency', 'has less in your available balance than what is left of the invoice');
    if (!outcome!.ok) throw ledgerRefusal(outcome!.error, { funds });
    return { payment, replayed: false };
  });
  if (!result.replayed) {
    await signalInvoicePayment(deps.temporal, invoice.id).catch((error) =>
      deps.log.warn({ err: error, invoice: invoice.id }, 'could not signal the invoice; it will look when it next polls'),
    );
  }
  return result;
}

/** An operator marks the invoice settled or invalid (its workflow validates and records it, with the operator). */
export async function markInvoiceAs(
  deps: InvoiceDeps,
  request: { invoiceId: string; mark: OperatorMark; operatorId: string; note: string | null },
) {
  const invoice = await publicInvoice(deps, request.invoiceId);
  return markInvoice(deps.temporal, invoice, { mark: request.mark, operatorId: request.operatorId, note: request.note });
}
