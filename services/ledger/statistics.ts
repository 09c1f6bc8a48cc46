/**
 * An account's totals over a period, per currency and operation type (the transfer's metadata type, or its pending
 * transfer's for a post): what came in, what went out, how many operations. Holds still pending and voided holds are
 * not money that moved, so only posted transfers and posts count.
 */
import type { Db } from '../../platform/db/client.js';

export interface OperationTotals {
  currency: string;
  type: string;
  credited: bigint;
  debited: bigint;
  /** Operations, not entries: a swap's amount and fee (one quote), or both sides of a self-trade, are one. */
  count: number;
}

export async function totalsOf(db: Db, accountName: string, period: { from: Date; to: Date }): Promise<OperationTotals[]> {
  // An operation writing several entries of one type names itself in each entry's metadata (its quote, trade,
  // withdrawal, deposit or bet); an entry naming none is an operation of its own (an internal transfer, a fee).
  const rows = await db`
    with mine as (select id from ledger_accounts where name = ${accountName}),
    moved as (
      select t.*, true as incoming from ledger_transfers t join mine on t.credit_account_id = mine.id
      where t.kind in ('posted', 'post') and t.created_at >= ${period.from} and t.created_at < ${period.to}
      union all
      select t.*, false from ledger_transfers t join mine on t.debit_account_id = mine.id
      where t.kind in ('posted', 'post') and t.created_at >= ${period.from} and t.created_at < ${period.to}
    ),
    described as (
      select m.currency, m.amount, m.incoming, m.key,
             case when m.metadata ? 'type' then m.metadata else coalesce(p.metadata, m.metadata) end as meta
      from moved m left join ledger_transfers p on p.key = m.pending_key
    )
    select currency, coalesce(meta ->> 'type', 'other') as type,
           coalesce(sum(amount) filter (where incoming), 0) as credited,
           coalesce(sum(amount) filter (where not incoming), 0) as debited,
           count(distinct coalesce(meta ->> 'quote_id', meta ->> 'trade_id', meta ->> 'withdrawal_id',
                                   meta ->> 'deposit_id', meta ->> 'bet_id', key))::int as count
    from described
    group by 1, 2 order by 1, 2`;
  return rows.map((r) => ({
    currency: r.currency as string,
    type: r.type as string,
    credited: r.credited as bigint,
    debited: r.debited as bigint,
    count: r.count as number,
  }));
}
