/**
 * An account's totals over a period, per currency and operation type (the transfer's metadata type, or its pending
 * transfer's for a post): what came in, what went out, how many transfers. Holds still pending and voided holds are
 * not money that moved, so only posted transfers and posts count.
 */
import type { Db } from '../../platform/db/client.js';

export interface OperationTotals {
  currency: string;
  type: string;
  credited: bigint;
  debited: bigint;
  count: number;
}

export async function totalsOf(db: Db, accountName: string, period: { from: Date; to: Date }): Promise<OperationTotals[]> {
  const rows = await db`
    with mine as (select id from ledger_accounts where name = ${accountName}),
    moved as (
      select t.*, true as incoming from ledger_transfers t join mine on t.credit_account_id = mine.id
      where t.kind in ('posted', 'post') and t.created_at >= ${period.from} and t.created_at < ${period.to}
      union all
      select t.*, false from ledger_transfers t join mine on t.debit_account_id = mine.id
      where t.kind in ('posted', 'post') and t.created_at >= ${period.from} and t.created_at < ${period.to}
    )
    select m.currency, coalesce(m.metadata ->> 'type', p.metadata ->> 'type', 'other') as type,
           coalesce(sum(m.amount) filter (where m.incoming), 0) as credited,
           coalesce(sum(m.amount) filter (where not m.incoming), 0) as debited,
           count(*)::int as count
    from moved m left join ledger_transfers p on p.key = m.pending_key
    group by 1, 2 order by 1, 2`;
  return rows.map((r) => ({
    currency: r.currency as string,
    type: r.type as string,
    credited: r.credited as bigint,
    debited: r.debited as bigint,
    count: r.count as number,
  }));
}
