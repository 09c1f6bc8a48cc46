/**
 * The invoice's rule, pure: given what was paid and the time, what to record next, or until when to wait. Only final
 * payments (credited after the confirmations the deposits feature requires) ever settle an invoice: BTCPay #3548.
 */
import type { Disposition, InvoiceFacts, PaymentFact } from './facts.js';
import { paymentWorth, valueOfPayment, type Quote } from './conversion.js';
import { isOpen, markRefusal, type InvoiceStatus, type OperatorMark } from './status.js';

export interface Disposal {
  paymentId: string;
  as: Disposition;
}

export type Step =
  /** Record the status (it may be the current one) and move the listed payments' money out of the invoice's account. */
  | { kind: 'record'; status: InvoiceStatus; dispose: Disposal[] }
  /** Nothing to do before `until` (epoch ms), or before a payment or a mark arrives; null: only then. */
  | { kind: 'wait'; until: number | null };

export function quoteOf(facts: InvoiceFacts, currency: string): Quote | null {
  const q = facts.quotes.find((x) => x.currency === currency);
  return q ? { base: BigInt(q.base), conversionFee: BigInt(q.conversionFee), due: BigInt(q.due) } : null;
}

/** What the payments add up to in each currency they were paid in. */
function totalsByCurrency(payments: PaymentFact[]): Map<string, bigint> {
  const totals = new Map<string, bigint>();
  for (const p of payments) totals.set(p.currency, (totals.get(p.currency) ?? 0n) + BigInt(p.amount));
  return totals;
}

/**
 * What the payments are worth in the invoice's currency (a payment in a currency without a locked price: nothing).
 * Each currency's total is valued, not each payment: parts that add up to what is due are worth the whole invoice.
 */
export function valueOf(facts: InvoiceFacts, payments: PaymentFact[]): bigint {
  const amount = BigInt(facts.amount);
  let value = 0n;
  for (const [currency, paid] of totalsByCurrency(payments)) {
    const quote = quoteOf(facts, currency);
    if (quote) value += valueOfPayment(paid, quote, amount).value;
  }
  return value;
}

/** How a look values what was paid: `valueOf`, or `valueOfEachPayment` for an invoice workflow that began before it. */
export type Valuation = (facts: InvoiceFacts, payments: PaymentFact[]) => bigint;

/**
 * The rule before each currency's total was valued: each payment alone, so parts adding up to what is due could be
 * worth a unit less. Only an invoice workflow whose history was recorded under it replays it (versions.ts).
 */
export const valueOfEachPayment: Valuation = (facts, payments) => payments.reduce((sum, p) => sum + valueOf(facts, [p]), 0n);

const finalPayments = (facts: InvoiceFacts) => facts.payments.filter((p) => p.state === 'final');

/** What the invoice's final payments are worth in its currency. */
export function paidValue(facts: InvoiceFacts): bigint {
  return valueOf(facts, finalPayments(facts));
}

/** What is left to pay, in the invoice's currency: its amount less what its final payments are worth (≤ 0: nothing). */
export function leftToPay(facts: InvoiceFacts): bigint {
  return BigInt(facts.amount) - paidValue(facts);
}

/**
 * The least payment in `currency` that pays what is left (leftToPay > 0): with what was paid in that currency before,
 * it is worth what that was worth plus what is left, so after a part of what is due it is exactly the rest of it.
 */
export function paymentForRest(facts: InvoiceFacts, currency: string, quote: Quote): bigint {
  const amount = BigInt(facts.amount);
  const before = totalsByCurrency(finalPayments(facts)).get(currency) ?? 0n;
  const worthBefore = valueOfPayment(before, quote, amount).value;
  return paymentWorth(worthBefore + leftToPay(facts), quote, amount) - before;
}

const dispose = (payments: PaymentFact[], as: Disposition): Disposal[] => payments.map((p) => ({ paymentId: p.id, as }));

/**
 * The payments an invoice settles with: each priced one exchanged towards it; one in a currency without a locked price
 * (none could be had: no rate converts it, or none was fresh) counted nothing, so it goes to the merchant as it was
 * paid. Settling it threw for want of a price, and the invoice, paid in full, never settled.
 */
const settleWith = (facts: InvoiceFacts, payments: PaymentFact[]): Disposal[] =>
  payments.map((p) => ({ paymentId: p.id, as: quoteOf(facts, p.currency) ? 'settlement' : 'returned' }));

/**
 * An operator's mark is recorded when its state allows it (markRefusal), unless the invoice is found paid in full in
 * the same look: then it settles, and the mark is refused as it would be a look later (a retried recording, finding the
 * invoice settled, refuses it too).
 */
export function nextStep(
  facts: InvoiceFacts,
  now: number,
  mark: OperatorMark | null = null,
  valuation: Valuation = valueOf,
): Step {
  const undisposedFinal = facts.payments.filter((p) => p.state === 'final' && p.disposition === null);
  const inTime = facts.payments.filter((p) => p.state !== 'dropped' && p.seenAt <= facts.expiresAt);
  const finalInTime = inTime.filter((p) => p.state === 'final' && p.disposition === null);
  const amount = BigInt(facts.amount);
  const paid = valuation(facts, finalInTime);
  if (isOpen(facts.status) && paid >= amount) {
    return { kind: 'record', status: paid > amount ? 'paid_over' : 'settled', dispose: settleWith(facts, finalInTime) };
  }
  if (mark && markRefusal(facts.status, mark) === null) {
    return {
      kind: 'record',
      status: mark,
      dispose: mark === 'marked_settled' ? settleWith(facts, undisposedFinal) : dispose(undisposedFinal, 'returned'),
    };
  }
  if (!isOpen(facts.status)) {
    if (undisposedFinal.length === 0) return { kind: 'wait', until: null };
    // more money after the end: an overpayment of a paid invoice, a late payment of any other
    const paidBefore = facts.status === 'settled' || facts.status === 'paid_over' || facts.status === 'marked_settled';
    return { kind: 'record', status: paidBefore ? 'paid_over' : 'paid_late', dispose: dispose(undisposedFinal, 'late') };
  }

  const processing = (): Step | null =>
    facts.status === 'new' && inTime.length > 0 ? { kind: 'record', status: 'processing', dispose: [] } : null;
  if (now < facts.expiresAt) return processing() ?? { kind: 'wait', until: facts.expiresAt };
  if (inTime.length === 0) return { kind: 'record', status: 'expired', dispose: [] };
  const confirming = inTime.some((p) => p.state === 'seen');
  if (confirming && now < facts.monitoringUntil) return processing() ?? { kind: 'wait', until: facts.monitoringUntil };
  // what was paid in time is kept: the merchant is credited with it as it was, and can refund it
  return { kind: 'record', status: confirming ? 'invalid' : 'paid_partial', dispose: dispose(finalInTime, 'returned') };
}
