/** Stored XRPL payments: the operators' transaction list, unmatched deposits and their assignment, the signal outbox. */
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import {
  XRP_CURRENCY,
  type DeliveredAmount,
  type UnmatchedReason,
  type XrplPayment,
} from '../../domain/xrpl-tracking/payments.js';
import { xrplDepositWorkflowId } from '../../workflows/deposits/xrpl/messages.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { recordDeposit, type XrplDepositToSignal } from '../deposits/client.js';

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
  /** Payments credited to this user (matched to their deposit). */
  userId?: string;
  depositStatus?: DepositStatus;
  /** Closed at or after / before. */
  from?: Date;
  to?: Date;
}

const optionalBigint = (value: unknown) => (value === null || value === undefined ? null : BigInt(value as string));

function deliveredOf(r: Record<string, unknown>): DeliveredAmount | null {
  if (r.deliveredDrops !== null) return { kind: 'xrp', drops: r.deliveredDrops as bigint };
  if (r.deliveredMptId !== null)
    return { kind: 'mpt', mptIssuanceId: r.deliveredMptId as string, value: r.deliveredValue as string };
  if (r.deliveredCurrency !== null) {
    return {
      kind: 'issued',
      currency: r.deliveredCurrency as string,
      issuer: r.deliveredIssuer as string,
      value: r.deliveredValue as string,
    };
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

export async function listPayments(
  db: Db,
  filter: PaymentFilter,
  page: { before?: PaymentPosition; limit: number },
): Promise<StoredPayment[]> {
  const rest = () => db`
    ${filter.hash ? db`and hash = ${filter.hash}` : db``}
    ${filter.ledgerIndex !== undefined ? db`and ledger_index = ${filter.ledgerIndex}` : db``}
    ${filter.destinationTag !== undefined ? db`and destination_tag = ${filter.destinationTag.toString()}` : db``}
    ${filter.userId ? db`and deposit_id in (select id from deposits where user_id = ${filter.userId})` : db``}
    ${filter.depositStatus ? db`and deposit_status = ${filter.depositStatus}` : db``}
    ${filter.from ? db`and close_time >= ${filter.from}` : db``}
    ${filter.to ? db`and close_time < ${filter.to}` : db``}
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
    select p.hash, p.ledger_index, p.deposit_id, d.user_id, d.invoice_id from xrpl_payments p join deposits d on d.id = p.deposit_id
    where p.deposit_id is not null and p.signalled_at is null order by p.deposit_id limit ${limit}`;
  return rows.map((r) => ({
    hash: r.hash as string,
    ledgerIndex: Number(r.ledgerIndex),
    depositId: String(r.depositId),
    userId: r.userId as string,
    ...(r.invoiceId ? { invoiceId: r.invoiceId as string } : {}),
  }));
}

/** A recorded deposit waiting in the outbox for its workflow to hear of it. */
export type DepositToSignal = XrplDepositToSignal;

export async function markSignalled(db: Db, hashes: string[]): Promise<void> {
  if (hashes.length === 0) return;
  await db`update xrpl_payments set signalled_at = now() where hash = any(${db.array(hashes)}::text[]) and signalled_at is null`;
}

export type Assignment =
  | { ok: true; deposit: DepositToSignal & { amount: bigint } }
  | { ok: false; reason: 'not_found' | 'already_matched' | 'not_assignable' };

/**
 * An operator credits an unmatched XRP payment to the deposit address (unknown or missing tag) to a user: it
 * becomes that user's deposit, exactly as if the tag had matched. Issued currencies and unknown amounts cannot be.
 */
export async function assignUnmatched(sql: Sql, hash: string, userId: string, operatorId: string): Promise<Assignment> {
  return sql.begin(async (tx) => {
    const [row] = await tx`select * from xrpl_payments where hash = ${hash} for update`;
    if (!row) return { ok: false as const, reason: 'not_found' as const };
    const payment = toPayment(row);
    if (payment.depositStatus === 'matched') return { ok: false as const, reason: 'already_matched' as const };
    if (
      (payment.depositStatus !== 'unknown_tag' && payment.depositStatus !== 'missing_tag') ||
      payment.delivered?.kind !== 'xrp'
    ) {
      return { ok: false as const, reason: 'not_assignable' as const };
    }
    const deposit = await recordDeposit(tx, {
      userId,
      currency: XRP_CURRENCY,
      amount: payment.delivered.drops,
      chain: XRPL_CHAIN,
      txHash: hash,
      eventIndex: 0,
      address: payment.destination,
      destinationTag: payment.destinationTag,
      workflowId: xrplDepositWorkflowId(hash),
    });
    await tx`update xrpl_payments set deposit_status = 'matched', deposit_id = ${deposit.id}, assigned_by = ${operatorId} where hash = ${hash}`;
    return {
      ok: true as const,
      deposit: { hash, ledgerIndex: payment.ledgerIndex, depositId: deposit.id, userId, amount: deposit.amount },
    };
  });
}

/** How many payments to a deposit address wait for an operator (credited nobody). */
export async function unmatchedPaymentCount(db: Db): Promise<number> {
  const [row] = await db`select count(*)::int as n from xrpl_payments where deposit_status <> 'matched'`;
  return row!.n as number;
}
