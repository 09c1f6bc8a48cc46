/**
 * The deposits made to an invoice's destinations, as the invoice counts them: final once credited (to the invoice's
 * account) and never before the confirmations deposits require; one the chain made final but not yet credited is
 * credited here, idempotently, so the invoice need not wait for the deposit's own workflow to get there first.
 */
import type { Db, Sql } from '../../platform/db/client.js';
import { isEvmChain } from '../../domain/deposits/credit.js';
import { creditDeposit } from './store.js';

export interface InvoiceDeposit {
  depositId: string;
  currency: string;
  amount: bigint;
  state: 'seen' | 'final' | 'dropped';
  detectedAt: Date;
}

/** Each deposit as its row says, and whether it is pending though the chain made it final (so it can be credited). */
async function depositRows(db: Db, invoiceId: string): Promise<Array<{ deposit: InvoiceDeposit; creditable: boolean }>> {
  const rows = await db`
    select d.id, d.currency, d.amount, d.chain, d.status, d.detected_at, o.state as observation
    from deposits d left join evm_deposit_observations o on o.deposit_id = d.id
    where d.invoice_id = ${invoiceId} order by d.id`;
  return rows.map((r) => ({
    deposit: {
      depositId: String(r.id),
      currency: r.currency as string,
      amount: r.amount as bigint,
      state: r.status === 'credited' ? 'final' : r.status === 'dropped' ? 'dropped' : 'seen',
      detectedAt: r.detectedAt as Date,
    },
    // an EVM deposit is final at its confirmations; an XRPL one was recorded from a validated ledger
    creditable: r.status === 'pending' && (isEvmChain(r.chain as string) ? r.observation === 'confirmed' : true),
  }));
}

/**
 * The invoice's deposits as their rows say, crediting none: read in the transaction holding the invoice's row lock,
 * which a new deposit's row waits for (its invoice_id references that row), so every deposit stored before is here.
 */
export async function recordedDepositsOfInvoice(db: Db, invoiceId: string): Promise<InvoiceDeposit[]> {
  return (await depositRows(db, invoiceId)).map((row) => row.deposit);
}

export async function depositsOfInvoice(sql: Sql, invoiceId: string): Promise<InvoiceDeposit[]> {
  const deposits: InvoiceDeposit[] = [];
  for (const { deposit, creditable } of await depositRows(sql, invoiceId)) {
    const credited = creditable && (await creditDeposit(sql, deposit.depositId)).ok;
    deposits.push(credited ? { ...deposit, state: 'final' } : deposit);
  }
  return deposits;
}
