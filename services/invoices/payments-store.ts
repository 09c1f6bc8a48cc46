/** Every payment an invoice heard of: its deposits (kept in step with deposits' records) and payments from balances. */
import type { Disposal } from '../../domain/invoices/assessment.js';
import type { Disposition, PaymentFact, PaymentState } from '../../domain/invoices/facts.js';
import type { Db } from '../../platform/db/client.js';

export interface InvoicePayment {
  id: string;
  invoiceId: string;
  source: 'deposit' | 'balance';
  depositId: string | null;
  payerId: string | null;
  currency: string;
  amount: bigint;
  state: PaymentState;
  seenAt: Date;
  disposition: Disposition | null;
}

const toPayment = (r: Record<string, unknown>): InvoicePayment => ({
  id: String(r.id),
  invoiceId: r.invoiceId as string,
  source: r.depositId === null ? 'balance' : 'deposit',
  depositId: r.depositId === null ? null : String(r.depositId),
  payerId: (r.payerId as string | null) ?? null,
  currency: r.currency as string,
  amount: r.amount as bigint,
  state: r.state as PaymentState,
  seenAt: r.seenAt as Date,
  disposition: (r.disposition as Disposition | null) ?? null,
});

export const paymentFact = (p: InvoicePayment): PaymentFact => ({
  id: p.id,
  currency: p.currency,
  amount: p.amount.toString(),
  state: p.state,
  seenAt: p.seenAt.getTime(),
  disposition: p.disposition,
});

export async function paymentsOf(db: Db, invoiceId: string): Promise<InvoicePayment[]> {
  return (await db`select * from invoice_payments where invoice_id = ${invoiceId} order by id`).map(toPayment);
}

/** A deposit to the invoice as deposits' records show it (deposits' `InvoiceDeposit`; not imported: its client imports ours). */
interface DepositRecord {
  depositId: string;
  currency: string;
  amount: bigint;
  state: PaymentState;
  detectedAt: Date;
}

/** Brings the invoice's record of its deposits in step with deposits' own (a final one stays final). */
export async function syncDeposits(db: Db, invoiceId: string, deposits: DepositRecord[]): Promise<void> {
  if (deposits.length === 0) return;
  await db`
    insert into invoice_payments (invoice_id, deposit_id, currency, amount, state, seen_at)
    select ${invoiceId}, d.deposit_id, d.currency, d.amount, d.state, d.seen_at from unnest(
      ${db.array(deposits.map((d) => d.depositId))}::bigint[], ${db.array(deposits.map((d) => d.currency))}::text[],
      ${db.array(deposits.map((d) => d.amount.toString()))}::numeric[], ${db.array(deposits.map((d) => d.state))}::text[],
      ${db.array(deposits.map((d) => d.detectedAt.toISOString()))}::timestamptz[]
    ) as d (deposit_id, currency, amount, state, seen_at)
    on conflict (deposit_id) do update set state = excluded.state
    where invoice_payments.state <> excluded.state and invoice_payments.state <> 'final'`;
}

/** A payment from a Sluice balance, final at once; under an Idempotency-Key the payer used already, the first one. */
export async function insertBalancePayment(
  db: Db,
  p: { invoiceId: string; payerId: string; idempotencyKey: string; currency: string; amount: bigint },
): Promise<{ payment: InvoicePayment; created: boolean }> {
  const [inserted] = await db`
    insert into invoice_payments (invoice_id, payer_id, idempotency_key, currency, amount, state)
    values (${p.invoiceId}, ${p.payerId}, ${p.idempotencyKey}, ${p.currency}, ${p.amount.toString()}, 'final')
    on conflict (payer_id, idempotency_key) do nothing returning *`;
  if (inserted) return { payment: toPayment(inserted), created: true };
  return { payment: (await balancePaymentByKey(db, p.payerId, p.idempotencyKey))!, created: false };
}

export async function balancePaymentByKey(db: Db, payerId: string, idempotencyKey: string): Promise<InvoicePayment | null> {
  const [row] = await db`select * from invoice_payments where payer_id = ${payerId} and idempotency_key = ${idempotencyKey}`;
  return row ? toPayment(row) : null;
}

/** Records where each payment's money went; a payment already disposed of keeps its first disposition. */
export async function recordDisposals(db: Db, disposals: Disposal[]): Promise<void> {
  if (disposals.length === 0) return;
  await db`
    update invoice_payments p set disposition = d.disposition
    from unnest(${db.array(disposals.map((d) => d.paymentId))}::bigint[], ${db.array(disposals.map((d) => d.as))}::text[])
      as d (id, disposition)
    where p.id = d.id and p.disposition is null`;
}
