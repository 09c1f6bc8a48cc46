/**
 * The deposits made to an invoice's destinations, as the invoice counts them: final once credited (to the invoice's
 * account) and never before the confirmations deposits require; one the chain made final but not yet credited is
 * credited here, idempotently, so the invoice need not wait for the deposit's own workflow to get there first.
 */
import type { Sql } from '../../platform/db/client.js';
import { isEvmChain } from '../../domain/deposits/credit.js';
import { creditDeposit } from './store.js';

export interface InvoiceDeposit {
  depositId: string;
  currency: string;
  amount: bigint;
  state: 'seen' | 'final' | 'dropped';
  detectedAt: Date;
}

export async function depositsOfInvoice(sql: Sql, invoiceId: string): Promise<InvoiceDeposit[]> {
  const rows = await sql`
    select d.id, d.currency, d.amount, d.chain, d.status, d.detected_at, o.state as observation
    from deposits d left join evm_deposit_observations o on o.deposit_id = d.id
    where d.invoice_id = ${invoiceId} order by d.id`;
  const deposits: InvoiceDeposit[] = [];
  for (const r of rows) {
    let status = r.status as string;
    // an EVM deposit is final at its confirmations; an XRPL one was recorded from a validated ledger
    const finalOnChain = isEvmChain(r.chain as string) ? r.observation === 'confirmed' : true;
    if (status === 'pending' && finalOnChain) {
      const credited = await creditDeposit(sql, String(r.id));
      if (credited.ok) status = 'credited';
    }
    deposits.push({
      depositId: String(r.id),
      currency: r.currency as string,
      amount: r.amount as bigint,
      state: status === 'credited' ? 'final' : status === 'dropped' ? 'dropped' : 'seen',
      detectedAt: r.detectedAt as Date,
    });
  }
  return deposits;
}
