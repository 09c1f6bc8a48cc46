/**
 * What an invoice's workflow reads before each decision: the invoice, the prices locked for it, and every payment
 * heard of, as workflow payloads (amounts as strings, times as epoch milliseconds).
 */
import type { InvoiceStatus } from './status.js';

export type PaymentState = 'seen' | 'final' | 'dropped';
/** Where a payment's money went from the invoice's account: its settlement, or back to the merchant as it was. */
export type Disposition = 'settlement' | 'late' | 'returned';

export interface PaymentFact {
  id: string;
  currency: string;
  amount: string;
  state: PaymentState;
  seenAt: number;
  disposition: Disposition | null;
}

export interface QuoteFact {
  currency: string;
  base: string;
  conversionFee: string;
  due: string;
}

export interface InvoiceFacts {
  id: string;
  merchantId: string;
  status: InvoiceStatus;
  currency: string;
  amount: string;
  feePpm: string;
  expiresAt: number;
  /** After the deadline, how long a payment seen in time may take to become final before the invoice is invalid. */
  monitoringUntil: number;
  quotes: QuoteFact[];
  payments: PaymentFact[];
}
