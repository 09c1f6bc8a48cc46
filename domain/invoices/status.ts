/**
 * An invoice's states (BTCPay's, with its exceptions): new → processing → settled, new → expired, processing →
 * invalid; paid_partial, paid_over and paid_late are exceptions; marked_settled / marked_invalid are an operator's.
 */
export const INVOICE_STATUSES = [
  'new',
  'processing',
  'settled',
  'expired',
  'invalid',
  'paid_partial',
  'paid_over',
  'paid_late',
  'marked_settled',
  'marked_invalid',
] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** Still waiting for its payment: it can be paid, and its deadline or monitoring window still matters. */
export function isOpen(status: InvoiceStatus): boolean {
  return status === 'new' || status === 'processing';
}

export type OperatorMark = 'marked_settled' | 'marked_invalid';

/**
 * Whether an operator may mark the invoice: never one the merchant was paid for in full (settled, paid_over) nor one
 * already marked; a mark is the last word.
 */
export function markRefusal(status: InvoiceStatus, mark: OperatorMark): string | null {
  if (status === 'settled' || status === 'paid_over') return `the invoice is already ${status}`;
  if (status === 'marked_settled' || status === 'marked_invalid') return `the invoice is already ${status}`;
  if (mark === 'marked_invalid' && status === 'paid_late') return 'a late payment was already credited to the merchant';
  return null;
}

/** The webhook event type each recorded state publishes (states without one publish nothing). */
export const INVOICE_EVENT_TYPES = {
  new: 'invoice.created',
  processing: 'invoice.processing',
  settled: 'invoice.settled',
  expired: 'invoice.expired',
  invalid: 'invoice.invalid',
  paid_late: 'invoice.paid_late',
  paid_over: 'invoice.paid_over',
} as const satisfies Partial<Record<InvoiceStatus, string>>;
