/** Invoices as merchants create and read them, and the states their workflow records. */
import type { InvoiceStatus } from '../../domain/invoices/status.js';
import type { Db } from '../../platform/db/client.js';
import { rowsWithoutWorkflow } from '../../platform/db/workflow-outbox.js';
import { volumeByDay, type DayVolume } from '../../platform/db/volume-by-day.js';

export interface Invoice {
  id: string;
  merchantId: string;
  currency: string;
  amount: bigint;
  acceptedCurrencies: string[];
  description: string | null;
  orderId: string | null;
  metadata: Record<string, unknown>;
  callbackUrl: string | null;
  redirectUrl: string | null;
  feePpm: bigint;
  conversionFeePpm: bigint;
  status: InvoiceStatus;
  expiresAt: Date;
  monitoringUntil: Date;
  settledValue: bigint | null;
  fee: bigint | null;
  markedBy: string | null;
  markNote: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export function toInvoice(r: Record<string, unknown>): Invoice {
  return {
    id: r.id as string,
    merchantId: r.merchantId as string,
    currency: r.currency as string,
    amount: r.amount as bigint,
    acceptedCurrencies: r.acceptedCurrencies as string[],
    description: (r.description as string | null) ?? null,
    orderId: (r.orderId as string | null) ?? null,
    metadata: (r.metadata as Record<string, unknown>) ?? {},
    callbackUrl: (r.callbackUrl as string | null) ?? null,
    redirectUrl: (r.redirectUrl as string | null) ?? null,
    feePpm: BigInt(r.feePpm as number),
    conversionFeePpm: BigInt(r.conversionFeePpm as number),
    status: r.status as InvoiceStatus,
    expiresAt: r.expiresAt as Date,
    monitoringUntil: r.monitoringUntil as Date,
    settledValue: (r.settledValue as bigint | null) ?? null,
    fee: (r.fee as bigint | null) ?? null,
    markedBy: (r.markedBy as string | null) ?? null,
    markNote: (r.markNote as string | null) ?? null,
    createdAt: r.createdAt as Date,
    updatedAt: r.updatedAt as Date,
  };
}

export type NewInvoice = Pick<
  Invoice,
  | 'merchantId'
  | 'currency'
  | 'amount'
  | 'acceptedCurrencies'
  | 'description'
  | 'orderId'
  | 'metadata'
  | 'callbackUrl'
  | 'redirectUrl'
  | 'feePpm'
  | 'conversionFeePpm'
  | 'createdAt'
  | 'expiresAt'
  | 'monitoringUntil'
> & { idempotencyKey: string | null };

/** Inserts the invoice; under an Idempotency-Key this merchant used already, answers the first one (created: false). */
export async function insertInvoice(db: Db, i: NewInvoice): Promise<{ invoice: Invoice; created: boolean }> {
  const [inserted] = await db`
    insert into invoices (merchant_id, idempotency_key, currency, amount, accepted_currencies, description, order_id,
      metadata, callback_url, redirect_url, fee_ppm, conversion_fee_ppm, created_at, expires_at, monitoring_until)
    values (${i.merchantId}, ${i.idempotencyKey}, ${i.currency}, ${i.amount.toString()}, ${db.array(i.acceptedCurrencies)},
      ${i.description}, ${i.orderId}, ${db.json(i.metadata as never)}, ${i.callbackUrl}, ${i.redirectUrl},
      ${Number(i.feePpm)}, ${Number(i.conversionFeePpm)}, ${i.createdAt}, ${i.expiresAt}, ${i.monitoringUntil})
    on conflict (merchant_id, idempotency_key) do nothing
    returning *`;
  if (inserted) return { invoice: toInvoice(inserted), created: true };
  const [first] = await db`select * from invoices where merchant_id = ${i.merchantId} and idempotency_key = ${i.idempotencyKey}`;
  return { invoice: toInvoice(first!), created: false };
}

export async function invoiceById(db: Db, id: string): Promise<Invoice | null> {
  const [row] = await db`select * from invoices where id = ${id}`;
  return row ? toInvoice(row) : null;
}

export interface InvoiceFilter {
  merchantId?: string;
  status?: InvoiceStatus;
  createdFrom?: Date;
  createdTo?: Date;
  /**
   * Keyset: invoices created before this one (uuid order is not creation order, so the cursor is created_at|id), its
   * time to the microsecond as `position` gives it: sent as text, since postgres.js writes a timestamptz parameter
   * through Date, to the millisecond.
   */
  before?: { createdAt: string; id: string };
  limit: number;
}

/**
 * An invoice with its place in the list: its created_at to the microsecond. A millisecond's cursor skipped the rest of
 * a page's last millisecond: invoices stored before the service set created_at (to the millisecond) had their
 * transaction's now(), one microsecond value for a whole batch.
 */
export type ListedInvoice = Invoice & { position: string };

export async function listInvoices(db: Db, f: InvoiceFilter): Promise<ListedInvoice[]> {
  const rows = await db`
    select *, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position from invoices where true
    ${f.merchantId ? db`and merchant_id = ${f.merchantId}` : db``}
    ${f.status ? db`and status = ${f.status}` : db``}
    ${f.createdFrom ? db`and created_at >= ${f.createdFrom}` : db``}
    ${f.createdTo ? db`and created_at < ${f.createdTo}` : db``}
    ${f.before ? db`and (created_at, id) < (${f.before.createdAt}::text::timestamptz, ${f.before.id})` : db``}
    order by created_at desc, id desc limit ${f.limit}`;
  return rows.map((r) => ({ ...toInvoice(r), position: r.position as string }));
}

/**
 * Moves the invoice from `from` to `to` (with the settlement's figures, or the operator's mark); false when it is not
 * in `from` any more (a repeated step), so whatever goes with the change happens once.
 */
export async function changeStatus(
  db: Db,
  change: {
    id: string;
    from: InvoiceStatus;
    to: InvoiceStatus;
    settledValue: bigint | null;
    fee: bigint | null;
    markedBy: { operatorId: string; note: string | null } | null;
  },
): Promise<boolean> {
  if (change.from === change.to) return false;
  const rows = await db`
    update invoices set status = ${change.to}, updated_at = now()
      ${change.settledValue !== null ? db`, settled_value = ${change.settledValue.toString()}, fee = ${(change.fee ?? 0n).toString()}` : db``}
      ${change.markedBy ? db`, marked_by = ${change.markedBy.operatorId}, mark_note = ${change.markedBy.note}` : db``}
    where id = ${change.id} and status = ${change.from} returning id`;
  return rows.length > 0;
}

export async function unstartedInvoices(db: Db, graceSeconds: number): Promise<Invoice[]> {
  return (await rowsWithoutWorkflow(db, 'invoices', graceSeconds)).map(toInvoice);
}

/** Paid invoices (settled, overpaid, or settled by an operator): their amount per UTC day and currency, for the dashboard. */
export function invoiceVolumeByDay(db: Db, range: { from: Date; to: Date }): Promise<DayVolume[]> {
  return volumeByDay(db, { table: 'invoices', at: 'updated_at', status: ['settled', 'paid_over', 'marked_settled'] }, range);
}
