/**
 * An invoice (`invoice:<id>`), from its creation to its last payment: it reads what was paid (the record decides;
 * signals only say "look now", and it also looks on a timer), lets the invoice's rule say whether to record a step, and
 * has it recorded as the rule decides it again under the invoice's row lock, which payments take too: processing once
 * a payment is seen, settled (or paid_over) once final payments cover it, expired, invalid or paid_partial past its
 * deadline, an operator's mark. After its last state it stays a while for late payments, which go to the merchant as
 * paid_late; one arriving after that starts it again from the stored state.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  continueAsNew,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createInvoiceActivities } from '../../activities/invoices/activities.js';
import { nextStep, valueOf, valueOfEachPayment } from '../../domain/invoices/assessment.js';
import { isOpen, markRefusal } from '../../domain/invoices/status.js';
import { ErrorCode } from '../../domain/errors.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import { runIsLong } from '../../platform/temporal/run-length.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { isPatched } from '../../platform/temporal/versions.js';
import {
  DEFAULT_INVOICE_POLL_MS,
  DEFAULT_LATE_WINDOW_MS,
  invoicePaymentSignal,
  invoiceProgressQuery,
  invoiceSearchAttributes,
  markInvoiceUpdate,
  type InvoiceInput,
  type InvoiceProgress,
  type MarkRequest,
} from './messages.js';

// local activities: both are idempotent database steps, and a burst of new invoices must not queue activity tasks
const { reviewInvoice, recordInvoiceStep } = proxyLocalActivities<ReturnType<typeof createInvoiceActivities>>(
  retryPolicies.localBookkeeping,
);

export async function invoiceWorkflow(input: InvoiceInput): Promise<InvoiceProgress> {
  const pollMs = input.pollIntervalMs ?? DEFAULT_INVOICE_POLL_MS;
  const lateWindowMs = input.lateWindowMs ?? DEFAULT_LATE_WINDOW_MS;
  const progress: InvoiceProgress = { status: 'new', payments: 0, finalPayments: 0 };
  let signals = 0;
  // the operator's mark waiting for the loop, and its answer once the loop has dealt with it
  const marks: { pending: MarkRequest | null; refusal: string | null; done: number } = { pending: null, refusal: null, done: 0 };

  setHandler(invoicePaymentSignal, () => void signals++);
  setHandler(invoiceProgressQuery, () => progress);
  setHandler(
    markInvoiceUpdate,
    async (request) => {
      const ticket = marks.done + 1;
      marks.pending = request;
      await condition(() => marks.done >= ticket);
      if (marks.refusal)
        throw ApplicationFailure.create({ type: ErrorCode.Conflict, message: marks.refusal, nonRetryable: true });
      return progress.status;
    },
    {
      validator: (request) => {
        const refusal = marks.pending ? 'another mark is being recorded' : markRefusal(progress.status, request.mark);
        if (refusal) throw ApplicationFailure.create({ type: ErrorCode.Conflict, message: refusal, nonRetryable: true });
      },
    },
  );

  let closedAt = input.carried?.closedAt ?? null;
  let described = input.carried !== undefined; // a run continued as new keeps its search attributes
  for (;;) {
    const heard = signals; // counted before reading, so a signal arriving during the read is not missed
    const facts = await reviewInvoice(input.invoiceId);
    if (!described) {
      // a run a late payment's signal started knows only the invoice's id: its merchant and state come from the record
      upsertSearchAttributes(invoiceSearchAttributes(facts, facts.status));
      described = true;
    }
    progress.status = facts.status;
    progress.payments = facts.payments.filter((p) => p.state !== 'dropped').length;
    progress.finalPayments = facts.payments.filter((p) => p.state === 'final').length;

    const mark = marks.pending;
    const refusal = mark ? markRefusal(facts.status, mark.mark) : null;
    const allowed = mark && !refusal ? mark : null;
    const now = Date.now();
    // a run that looked before each currency's total was valued keeps valuing part by part: under today's rule, parts
    // it found a unit short could settle at a look where its history waited
    const valuation = isPatched('invoice-values-currency-totals') ? valueOf : valueOfEachPayment;
    const step = nextStep(facts, now, allowed?.mark, valuation);
    if (step.kind === 'record') {
      // what is recorded is decided again under the invoice's row lock, which payments take too: one paid since this
      // read counts (a payment's signal alone would come too late, after an expiry recorded from this read)
      progress.status = await recordInvoiceStep({ invoiceId: input.invoiceId, at: now, mark: allowed });
      upsertSearchAttributes([{ key: SluiceStatus, value: progress.status }]);
    }
    if (mark) {
      // a mark its state allowed is refused all the same when the rule settled the invoice instead (found paid in full,
      // in this look or under the lock): answered as a look later would answer it
      marks.refusal = refusal ?? (progress.status === mark.mark ? null : markRefusal(progress.status, mark.mark));
      marks.pending = null;
      marks.done++;
    }
    if (step.kind === 'record') continue;

    if (!isOpen(facts.status)) closedAt ??= Date.now();
    const until = step.until ?? (closedAt ?? Date.now()) + lateWindowMs;
    if (closedAt !== null && Date.now() >= closedAt + lateWindowMs && marks.pending === null) return progress;
    const wait = Math.max(1, Math.min(until - Date.now(), pollMs));
    await condition(() => signals > heard || marks.pending !== null, wait);
    // a long run continues as new between looks, never with a mark waiting for its answer (a mark ends the wait, and
    // its handler, once answered, has finished by the next wait); the next run reads the record first, which answers
    // any signal heard meanwhile
    if (marks.pending === null && runIsLong(input.runHistoryLimit) && isPatched('invoice-continues-as-new')) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof invoiceWorkflow>({ ...input, carried: { closedAt } });
    }
  }
}
