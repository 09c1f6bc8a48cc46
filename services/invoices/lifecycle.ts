/**
 * What the invoice workflow's two steps do. `reviewInvoice` reads the invoice with every payment it heard of (its
 * deposits brought in step first) as the facts the workflow decides when to act on. `recordInvoiceStep` decides what
 * to record and records it in one SQL transaction, under the invoice's row lock that balance payments take too (and
 * new deposits' rows wait for), so whatever was paid before counts and nothing is paid after it unseen: the ledger
 * transfers out of the invoice's account, where each payment went, the new state, and the state's webhook event,
 * published once (its id is the invoice and the state: BTCPay #4978).
 */
import { nextStep, paidValue } from '../../domain/invoices/assessment.js';
import type { InvoiceFacts } from '../../domain/invoices/facts.js';
import { disbursementOf } from '../../domain/invoices/ledger.js';
import type { InvoiceStatus } from '../../domain/invoices/status.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db, Sql } from '../../platform/db/client.js';
import type { MarkRequest } from '../../workflows/invoices/messages.js';
import { commitGroups } from '../ledger/journal.js';
import { depositsOfInvoice, recordedDepositsOfInvoice } from '../deposits/client.js';
import { publishInvoiceEvent } from './events.js';
import { paymentFact, paymentsOf, recordDisposals, syncDeposits } from './payments-store.js';
import { lockedQuote, type PricingDeps } from './pricing.js';
import { quoteFact, quotesOf } from './quotes-store.js';
import { changeStatus, invoiceById, type Invoice } from './store.js';

async function factsOf(db: Db, invoice: Invoice): Promise<InvoiceFacts> {
  const [quotes, payments] = await Promise.all([quotesOf(db, invoice.id), paymentsOf(db, invoice.id)]);
  return {
    id: invoice.id,
    merchantId: invoice.merchantId,
    status: invoice.status,
    currency: invoice.currency,
    amount: invoice.amount.toString(),
    feePpm: invoice.feePpm.toString(),
    expiresAt: invoice.expiresAt.getTime(),
    monitoringUntil: invoice.monitoringUntil.getTime(),
    quotes: quotes.map(quoteFact),
    payments: payments.map(paymentFact),
  };
}

async function requireInvoice(db: Db, id: string, lock = false): Promise<Invoice> {
  const invoice = lock ? await lockedInvoice(db, id) : await invoiceById(db, id);
  if (!invoice) throw new DomainError(ErrorCode.NotFound, `no invoice ${id}`);
  return invoice;
}

async function lockedInvoice(db: Db, id: string): Promise<Invoice | null> {
  await db`select 1 from invoices where id = ${id} for update`;
  return invoiceById(db, id);
}

/**
 * The invoice and its facts read under its row lock, in the caller's transaction: the workflow decides and records its
 * steps and a balance payment decides what is left under this same lock, so no two of them decide on stale facts.
 * Its deposits are read as their rows say (the review credits final ones; here, still pending, they are seen): a new
 * deposit's row waits for this lock (its invoice_id references the row), so every one stored before is counted.
 */
export async function lockedInvoiceFacts(tx: Db, invoiceId: string): Promise<{ invoice: Invoice; facts: InvoiceFacts }> {
  const invoice = await requireInvoice(tx, invoiceId, true);
  await syncDeposits(tx, invoice.id, await recordedDepositsOfInvoice(tx, invoice.id));
  return { invoice, facts: await factsOf(tx, invoice) };
}

/**
 * The facts with every paying currency priced: a payment in a currency nobody picked is priced at first sight; without
 * a price it is kept, worth nothing here.
 */
async function priced(deps: PricingDeps, invoice: Invoice, facts: InvoiceFacts): Promise<InvoiceFacts> {
  const unpriced = new Set(facts.payments.map((p) => p.currency).filter((c) => !facts.quotes.some((q) => q.currency === c)));
  for (const currency of unpriced) await lockedQuote(deps, invoice, currency).catch(() => null);
  return unpriced.size > 0 ? factsOf(deps.sql, invoice) : facts;
}

export async function reviewInvoice(deps: PricingDeps & { sql: Sql }, invoiceId: string): Promise<InvoiceFacts> {
  const invoice = await requireInvoice(deps.sql, invoiceId);
  await syncDeposits(deps.sql, invoiceId, await depositsOfInvoice(deps.sql, invoiceId));
  return priced(deps, invoice, await factsOf(deps.sql, invoice));
}

/**
 * What the workflow asks to be recorded when its look found something to record: the time of that look (the deadline
 * and the monitoring window are judged at it) and an operator's mark its state allows. What is recorded is decided
 * again here, under the row lock, from what was paid by then.
 */
export interface InvoiceStep {
  invoiceId: string;
  at: number;
  mark: MarkRequest | null;
}

/** The state the invoice was in and the one it is in now (the same when nothing changed), and how many payments went. */
export interface RecordedStep {
  from: InvoiceStatus;
  to: InvoiceStatus;
  disposed: number;
}

/**
 * Decides the invoice's next step from what was paid when it takes the lock, and records it. Repeated (a retried
 * activity), it finds the step recorded: it moves no money and publishes nothing.
 */
export async function recordInvoiceStep(deps: PricingDeps & { sql: Sql }, request: InvoiceStep): Promise<RecordedStep> {
  return deps.sql.begin(async (tx) => {
    const { invoice, facts: read } = await lockedInvoiceFacts(tx, request.invoiceId);
    const facts = await priced({ ...deps, sql: tx }, invoice, read);
    const step = nextStep(facts, request.at, request.mark?.mark ?? null);
    if (step.kind === 'wait') return { from: invoice.status, to: invoice.status, disposed: 0 };

    // the rule disposes only of payments whose money is still on the invoice's account
    const disposals = step.dispose;
    const { group, settledValue, fee } = disbursementOf(facts, disposals);
    if (group.transfers.length > 0) {
      const [outcome] = await commitGroups(tx, [group]);
      if (!outcome!.ok) throw new DomainError(outcome!.error.code, `invoice ${invoice.id}: ${outcome!.error.message}`);
    }
    await recordDisposals(tx, disposals);
    const settles = disposals.some((d) => d.as === 'settlement');
    const changed = await changeStatus(tx, {
      id: invoice.id,
      from: invoice.status,
      to: step.status,
      settledValue: settles ? settledValue : null,
      fee: settles ? fee : null,
      // the rule settles an invoice found paid in full instead of marking it: the operator's name goes with a mark only
      markedBy: request.mark?.mark === step.status ? { operatorId: request.mark.operatorId, note: request.mark.note } : null,
    });
    const recorded = { from: invoice.status, to: changed ? step.status : invoice.status, disposed: disposals.length };
    // announced with what was paid: this step's settlement, else an earlier one's, else what the final payments are
    // worth (a partial payment kept at the deadline, an operator's mark after it), none when nothing was
    const paid = paidValue(facts);
    // money after the end of an invoice in paid_late or paid_over leaves its state as it is, and goes to the merchant
    // all the same: announced too, under the id of the last payment it took (the state's own id was used)
    const late = disposals.filter((d) => d.as === 'late').at(-1)?.paymentId;
    if (changed || (late && step.status === invoice.status))
      await publishInvoiceEvent(
        tx,
        {
          ...invoice,
          status: step.status,
          settledValue: settles ? settledValue : (invoice.settledValue ?? (paid > 0n ? paid : null)),
          fee: settles ? fee : invoice.fee,
        },
        changed ? undefined : late,
      );
    return recorded;
  });
}
