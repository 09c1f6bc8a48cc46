/**
 * The webhook event each recorded state publishes, in the transaction that records it. Its id is the invoice and the
 * state, so a state is announced once however often its step runs. An operator's marks publish the event of the
 * state they stand for, marked; a partial payment at the end is announced as expired, with what was paid. A paid
 * invoice also tells its merchant (notification `invoice_paid`, on the channels they chose), under the same id, with
 * what was paid (`settled_value`: less than the amount when an operator marked a partly paid invoice settled) and
 * what it was credited after the invoice fee.
 */
import { formatAmount } from '../../domain/money.js';
import type { InvoiceStatus } from '../../domain/invoices/status.js';
import { stateEventId } from '../../domain/webhooks/events.js';
import type { Tx } from '../../platform/db/client.js';
import { publishEvent, type WebhookEvent, type WebhookEventType } from '../webhooks/client.js';
import { notifyUser } from '../notifications/client.js';
import { orderId, publishOrderUpdate } from '../orders/client.js';
import type { Invoice } from './store.js';

const PAID: ReadonlySet<InvoiceStatus> = new Set(['settled', 'paid_over', 'marked_settled']);

const EVENT_OF: Record<InvoiceStatus, WebhookEventType> = {
  new: 'invoice.created',
  processing: 'invoice.processing',
  settled: 'invoice.settled',
  paid_over: 'invoice.paid_over',
  expired: 'invoice.expired',
  paid_partial: 'invoice.expired',
  invalid: 'invoice.invalid',
  paid_late: 'invoice.paid_late',
  marked_settled: 'invoice.settled',
  marked_invalid: 'invoice.invalid',
};

/**
 * The webhook event of the invoice's current state; `scale` is its currency's. `latePayment`: the state was announced
 * already and a payment after the end reached it again (a second late payment, another overpayment), announced under
 * its own id, that payment's.
 */
export function invoiceEvent(invoice: Invoice, scale: number, latePayment?: string): WebhookEvent {
  return {
    id: stateEventId(`invoice:${invoice.id}`, invoice.status, latePayment),
    merchantId: invoice.merchantId,
    type: EVENT_OF[invoice.status],
    orderedBy: `invoice:${invoice.id}`,
    data: {
      invoice_id: invoice.id,
      status: invoice.status,
      order_id: invoice.orderId,
      currency: invoice.currency,
      amount: formatAmount(invoice.amount, scale),
      settled_value: invoice.settledValue === null ? null : formatAmount(invoice.settledValue, scale),
      marked: invoice.status === 'marked_settled' || invoice.status === 'marked_invalid',
      metadata: invoice.metadata,
    },
  };
}

export async function publishInvoiceEvent(tx: Tx, invoice: Invoice, latePayment?: string): Promise<void> {
  const [{ scale }] = (await tx`select scale from currencies where code = ${invoice.currency}`) as unknown as [{ scale: number }];
  const event = invoiceEvent(invoice, scale, latePayment);
  await publishEvent(tx, event);
  // the invoice's callback_url (an order callback, linked when the invoice was created) hears every state too, and a
  // late payment that reached its state again
  await publishOrderUpdate(tx, orderId('inv', invoice.id), latePayment);
  // its paid notice went with the state's first event
  if (PAID.has(invoice.status) && !latePayment) {
    await notifyUser(tx, {
      eventId: event.id,
      userId: invoice.merchantId,
      type: 'invoice_paid',
      title: `Invoice ${invoice.orderId ?? invoice.id} paid`,
      data: {
        invoice_id: invoice.id,
        amount: formatAmount(invoice.settledValue ?? 0n, scale),
        // what the merchant's balance got: what was paid less the invoice fee (none for payments credited as paid)
        credited: formatAmount((invoice.settledValue ?? 0n) - (invoice.fee ?? 0n), scale),
        currency: invoice.currency,
        merchant: invoice.merchantId,
      },
    });
  }
}
