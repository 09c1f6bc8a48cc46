/** Reading stored XRPL payments: the operators' transaction list, unmatched deposits, and the signal outbox. */
import type { DeliveredAmount, UnmatchedReason, XrplPayment } from '../../domain/xrpl.js';
import type { Db } from '../client.js';

export type DepositStatus = 'matched' | UnmatchedReason;

export interface StoredPayment extends XrplPayment {
  depositStatus: DepositStatus | null;
  depositId: string | null;
  recordedAt: Date;
}

/** Keyset position in ledger order: newest first. */
export interface PaymentPosition {
  ledgerIndex: number;
  transactionIndex: number;
}

export interface PaymentFilter {
  hash?: string;
  ledgerIndex?: number;
  account?: string;
  destinationTag?: bigint;
}

const optionalBigint = (value: unknown) => (value === null || value === undefined ? null : BigInt(value as string));

function deliveredOf(r: Record<string, unknown>): DeliveredAmount | null {
  if (r.deliveredDrops !== null) return { kind: 'xrp', drops: r.deliveredDrops as bigint };
  if (r.deliveredMptId !== null) return { kind: 'mpt', mptIssuanceId: r.deliveredMptId as string, value: r.deliveredValue as string };
  if (r.deliveredCurrency !== null) {
    return { kind: 'issued', currency: r.deliveredCurrency as string, issuer: r.deliveredIssuer as string, value: r.deliveredValue as string };
  }
  return null;
}

const toPayment = (r: Record<string, unknown>): StoredPayment => ({
  hash: r.hash as string,
  ledgerIndex: Number(r.ledgerIndex),
  transactionIndex: Number(r.transactionIndex),
  closeTime: r.closeTime as Date,
  source: r.source as string,
  destination: r.destination as string,
  destinationTag: optionalBigint(r.destinationTag),
  sourceTag: optionalBigint(r.sourceTag),
  result: r.result as string,
  partial: r.partial as boolean,
  delivered: deliveredOf(r),
  depositStatus: (r.depositStatus as DepositStatus | null) ?? null,
  depositId: r.depositId === null ? null : String(r.depositId),
  recordedAt: r.recordedAt as Date,
});

export async function listPayments(db: Db, filter: PaymentFilter, page: { before?: PaymentPosition; limit: number }): Promise<StoredPayment[]> {
  const rest = () => db`
    ${filter.hash ? db`and hash = ${filter.hash}` : db``}
    ${filter.ledgerIndex !== undefined ? db`and ledger_index = ${filter.ledgerIndex}` : db``}
    ${filter.destinationTag !== undefined ? db`and destination_tag = ${filter.destinationTag.toString()}` : db``}
    ${page.before ? db`and (ledger_index, transaction_index) < (${page.before.ledgerIndex}, ${page.before.transactionIndex})` : db``}`;
  // an account's payments come from two indexes (as source, as destination), each read in order up to the page size:
  // a busy account's page never sorts its whole history
  const rows = filter.account
    ? await db`
        select * from (
          (select * from xrpl_payments where source = ${filter.account} ${rest()} order by ledger_index desc, transaction_index desc limit ${page.limit})
          union all
          (select * from xrpl_payments where destination = ${filter.account} and source <> ${filter.account} ${rest()}
           order by ledger_index desc, transaction_index desc limit ${page.limit})
        ) p order by ledger_index desc, transaction_index desc limit ${page.limit}`
    : await db`
        select * from xrpl_payments where true ${rest()}
        order by ledger_index desc, transaction_index desc limit ${page.limit}`;
  return rows.map(toPayment);
}

export async function paymentByHash(db: Db, hash: string): Promise<StoredPayment | null> {
  const [row] = await db`select * from xrpl_payments where hash = ${hash}`;
  return row ? toPayment(row) : null;
}

/** Payments to a deposit address that credited nobody: an operator decides what to do with them. */
export async function unmatchedPayments(db: Db, page: { before?: PaymentPosition; limit: number }): Promise<StoredPayment[]> {
  const rows = await db`
    select * from xrpl_payments where deposit_status <> 'matched'
    ${page.before ? db`and (ledger_index, transaction_index) < (${page.before.ledgerIndex}, ${page.before.transactionIndex})` : db``}
    order by ledger_index desc, transaction_index desc limit ${page.limit}`;
  return rows.map(toPayment);
}

/** The outbox: matched deposits whose workflow has not been signalled yet (a crash between commit and signal). */
export async function unsignalledDeposits(db: Db, limit: number): Promise<DepositToSignal[]> {
  const rows = await db`
    select p.hash, p.ledger_index, p.deposit_id, d.user_id from xrpl_payments p join deposits d on d.id = p.deposit_id
    where p.deposit_id is not null and p.signalled_at is null order by p.deposit_id limit ${limit}`;
  return rows.map((r) => ({ hash: r.hash as string, ledgerIndex: Number(r.ledgerIndex), depositId: String(r.depositId), userId: r.userId as string }));
}

export interface DepositToSignal {
  hash: string;
  ledgerIndex: number;
  depositId: string;
  userId: string;
}

export async function markSignalled(db: Db, hashes: string[]): Promise<void> {
  if (hashes.length === 0) return;
  await db`update xrpl_payments set signalled_at = now() where hash = any(${db.array(hashes)}::text[]) and signalled_at is null`;
}
