/** What the invoice workflow and its callers (the invoices API, deposits' listeners, operators, tests) share. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { InvoiceStatus, OperatorMark } from '../../domain/invoices/status.js';
import { Currency, MerchantId, SluiceKind, SluiceStatus } from '../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const invoiceWorkflowType = 'invoiceWorkflow';
export type InvoiceWorkflow = (input: InvoiceInput) => Promise<InvoiceProgress>;

/** One workflow per invoice: `invoice:<id>`. */
export const invoiceWorkflowId = (invoiceId: string) => `invoice:${invoiceId}`;

export interface InvoiceInput {
  invoiceId: string;
  /** How long to look again without a signal (ms): a lost signal costs at most this long. */
  pollIntervalMs?: number;
  /** After its last state, how long the invoice stays to take late payments before its workflow ends (ms). */
  lateWindowMs?: number;
  /** How many history events a run may reach before it continues as new (RUN_HISTORY_LIMIT; tests set fewer). */
  runHistoryLimit?: number;
  /** Set by the run this one continues as new: what its loop knew that the record does not say. */
  carried?: InvoiceCarried;
}

export interface InvoiceCarried {
  /** When the invoice was first seen in a last state (epoch ms): its late window runs from then, not from each run. */
  closedAt: number | null;
}

export const DEFAULT_INVOICE_POLL_MS = 60_000;
/** A payment after this still reaches the invoice: its signal starts the workflow again, from the stored state. */
export const DEFAULT_LATE_WINDOW_MS = 24 * 3600_000;

export interface InvoiceProgress {
  status: InvoiceStatus;
  /** Payments heard of, and those final (credited after their confirmations). */
  payments: number;
  finalPayments: number;
}

/** A payment to the invoice was seen, became final or was dropped (the record holds which): look now. */
export const invoicePaymentSignal = defineSignal('invoicePayment');

export interface MarkRequest {
  mark: OperatorMark;
  operatorId: string;
  note: string | null;
}
/** An operator marks the invoice settled or invalid; refused (validator) when its state does not allow it. */
export const markInvoiceUpdate = defineUpdate<InvoiceStatus, [MarkRequest]>('markInvoice');
export const invoiceProgressQuery = defineQuery<InvoiceProgress>('invoiceProgress');

export const invoiceSearchAttributes = (invoice: { merchantId: string; currency: string }, status: InvoiceStatus = 'new') => [
  { key: SluiceKind, value: 'invoice' },
  { key: SluiceStatus, value: status },
  { key: MerchantId, value: invoice.merchantId },
  { key: Currency, value: invoice.currency },
];
