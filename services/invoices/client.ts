/**
 * The one way into the invoice workflow: start it once its invoice is stored (store-then-start: the worker starts it
 * when the storing transaction's NOTIFY arrives, its sweep any it missed), tell it a payment arrived, let an operator mark it, ask its progress. A payment's
 * signal starts the workflow again when it has ended (a late payment), and that run begins from the stored state.
 */
import { WithStartWorkflowOperation, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { refuseOwnAccount } from '../../domain/users-auth/own-account.js';
import type { InvoiceStatus } from '../../domain/invoices/status.js';
import type { Db } from '../../platform/db/client.js';
import { markWorkflowStarted } from '../../platform/db/workflow-outbox.js';
import type { Logger } from '../../platform/log.js';
import { startMissed, startNotified, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  invoicePaymentSignal,
  invoiceSearchAttributes,
  invoiceWorkflowId,
  invoiceWorkflowType,
  markInvoiceUpdate,
  type InvoiceWorkflow,
  type MarkRequest,
} from '../../workflows/invoices/messages.js';
import { unstartedInvoices, type Invoice } from './store.js';

/** The operators' console lists invoices with their payments, and marks them (markInvoice). */
export { invoiceById, invoiceVolumeByDay, listInvoices, type Invoice, type InvoiceFilter } from './store.js';
export { paymentsOf, type InvoicePayment } from './payments-store.js';
export { payableCurrencies } from './payable-currencies.js';

const startOptions = (taskQueue: string, invoice: Pick<Invoice, 'id' | 'merchantId' | 'currency'>) => ({
  taskQueue,
  workflowId: invoiceWorkflowId(invoice.id),
  args: [{ invoiceId: invoice.id }] as Parameters<InvoiceWorkflow>,
  // a run that ended starts again for a late payment; it reads the invoice's state from the database
  workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
  typedSearchAttributes: invoiceSearchAttributes(invoice),
});

export function invoiceOutbox(temporal: TemporalTarget, db: Db): WorkflowOutbox<Invoice> {
  return {
    kind: 'invoice',
    idOf: (invoice) => invoice.id,
    async start(invoice) {
      await temporal.client.workflow.start<InvoiceWorkflow>(invoiceWorkflowType, {
        ...startOptions(temporal.taskQueue, invoice),
        workflowIdConflictPolicy: 'USE_EXISTING',
        // not eager: for a burst of new invoices, eager starts measured slower (bench/invoices.ts, two runs minutes apart: every
        // workflow started 93 s after the run's last answer, 23 s without), their first tasks crowding the starts
      });
    },
    markStarted: (invoice) => markWorkflowStarted(db, 'invoices', invoice.id),
    unstarted: (graceSeconds) => unstartedInvoices(db, graceSeconds),
  };
}

export { INVOICES_CHANNEL } from './writer.js';

/**
 * The worker's answer to a NOTIFY on INVOICES_CHANNEL: starts the workflow of every stored invoice not started yet,
 * many at a time (a start waits on the Temporal server, not on this process's CPU).
 */
export function startNotifiedInvoices(outbox: WorkflowOutbox<Invoice>, log: Logger): Promise<number> {
  return startNotified(outbox, log, 64);
}

/** The worker's sweep: starts the workflows of invoices whose notification it missed. */
export function startUnstartedInvoices(client: Client, db: Db, taskQueue: string, log: Logger, graceSeconds: number) {
  return startMissed(invoiceOutbox({ client, taskQueue }, db), graceSeconds, log);
}

/**
 * Tells the invoice a payment to it was seen, became final or was dropped, starting its workflow again if it had
 * ended (a late payment); such a run reads its merchant and state from the record and shows them in its search
 * attributes.
 */
export async function signalInvoicePayment(temporal: TemporalTarget, invoiceId: string): Promise<void> {
  await temporal.client.workflow.signalWithStart<InvoiceWorkflow>(invoiceWorkflowType, {
    taskQueue: temporal.taskQueue,
    workflowId: invoiceWorkflowId(invoiceId),
    args: [{ invoiceId }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    signal: invoicePaymentSignal,
    signalArgs: [],
  });
}

/**
 * An operator's mark, answered with the invoice's new state; refused (409) when its state does not allow it. An
 * invoice whose workflow ended is started again for it.
 */
export async function markInvoice(
  temporal: TemporalTarget,
  invoice: Pick<Invoice, 'id' | 'merchantId' | 'currency'>,
  request: MarkRequest,
): Promise<InvoiceStatus> {
  refuseOwnAccount(request.operatorId, invoice.merchantId, 'id', 'marking an invoice');
  const startWorkflowOperation = new WithStartWorkflowOperation<InvoiceWorkflow>(invoiceWorkflowType, {
    ...startOptions(temporal.taskQueue, invoice),
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
  try {
    return await temporal.client.workflow.executeUpdateWithStart(markInvoiceUpdate, { args: [request], startWorkflowOperation });
  } catch (error) {
    if (error instanceof WorkflowUpdateFailedError)
      throw new DomainError(ErrorCode.Conflict, error.cause?.message ?? error.message);
    throw error;
  }
}
