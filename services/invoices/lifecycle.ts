/**
 * What the invoice workflow's two steps do. `reviewInvoice` reads the invoice with every payment it heard of (its
 * deposits brought in step first) as the facts the invoice's rule decides on. `recordInvoiceStep` records a decision
 * in one SQL transaction: the ledger transfers out of the invoice's account, where each payment went, the new state,
 * and the state's webhook event, published once (its id is the invoice and the state: BTCPay #4978).
 */
import type { Disposal } from '../../domain/invoices/assessment.js';
import type { InvoiceFacts } from '../../domain/invoices/facts.js';
import { disbursementOf } from '../../domain/invoices/ledger.js';
import type { InvoiceStatus } from '../../domain/invoices/status.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { commitGroups } from '../ledger/journal.js';
import { depositsOfInvoice } from '../deposits/client.js';
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
 * The invoice and its facts read under its row lock, in the caller's transaction: the workflow records its steps and
 * a balance payment decides what is left under this same lock, so no two of them decide on the same stale facts.
 */
export async function lockedInvoiceFacts(tx: Db, invoiceId: string): Promise<{ invoice: Invoice; facts: InvoiceFacts }> {
  const invoice = await requireInvoice(tx, invoiceId, true);
  return { invoice, facts: await factsOf(tx, invoice) };
}

export async function reviewInvoice(deps: PricingDeps & { sql: Sql }, invoiceId: string): Promise<InvoiceFacts> {
  const invoice = await requireInvoice(deps.sql, invoiceId);
  await syncDeposits(deps.sql, invoiceId, await depositsOfInvoice(deps.sql, invoiceId));
  // a payment in a currency nobody picked is priced at first sight; without a price it is kept, worth nothing here
  const facts = await factsOf(deps.sql, invoice);
  const unpriced = new Set(facts.payments.map((p) => p.currency).filter((c) => !facts.quotes.some((q) => q.currency === c)));
  for (const currency of unpriced) await lockedQuote(deps, invoice, currency).catch(() => null);
  return unpriced.size > 0 ? factsOf(deps.sql, invoice) : facts;
}

export interface InvoiceStep {
  invoiceId: string;
  from: InvoiceStatus;
  to: InvoiceStatus;
  dispose: Disposal[];
  markedBy: { operatorId: string; note: string | null } | null;
}

/** Records the step once: repeated (a retried activity), it moves no money and publishes nothing; answers the state. */
export async function recordInvoiceStep(sql: Sql, step: InvoiceStep): Promise<InvoiceStatus> {
  return sql.begin(async (tx) => {
    const { invoice, facts } = await lockedInvoiceFacts(tx, step.invoiceId);
    const undisposed = new Set(facts.payments.filter((p) => p.disposition === null).map((p) => p.id));
    const disposals = step.dispose.filter((d) => undisposed.has(d.paymentId));
    const { group, settledValue, fee } = disbursementOf(facts, disposals);
    if (group.transfers.length > 0) {
      const [outcome] = await commitGroups(tx, [group]);
      if (!outcome!.ok) throw new DomainError(outcome!.error.code, `invoice ${invoice.id}: ${outcome!.error.message}`);
    }
    await recordDisposals(tx, disposals);
    const settles = disposals.some((d) => d.as === 'settlement');
    const changed = await changeStatus(tx, {
      id: invoice.id,
      from: step.from,
      to: step.to,
      settledValue: settles ? settledValue : null,
      fee: settles ? fee : null,
      markedBy: step.markedBy,
    });
    if (!changed) return invoice.status;
    await publishInvoiceEvent(tx, { ...invoice, status: step.to, settledValue: settles ? settledValue : invoice.settledValue });
    return step.to;
  });
}
