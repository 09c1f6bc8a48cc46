/**
 * Money moved per UTC day and currency, from a table of money movements (deposits, withdrawals): the operators'
 * dashboard charts it. One query shape for every table, so each feature names only its table, clock and status.
 */
import type { Db } from './client.js';

export interface DayVolume {
  day: string;
  currency: string;
  amount: bigint;
  count: number;
}

export interface VolumeSource {
  table: 'deposits' | 'withdrawals' | 'invoices';
  /** The column that says when the movement happened (credited, succeeded, settled). */
  at: 'credited_at' | 'updated_at';
  /** The status (or any of the statuses) of a movement that happened. */
  status: string | readonly string[];
}

export async function volumeByDay(db: Db, source: VolumeSource, range: { from: Date; to: Date }): Promise<DayVolume[]> {
  const at = db(source.at);
  const rows = await db`
    select (${at} at time zone 'UTC')::date::text as day, currency, sum(amount)::text as amount, count(*)::int as n
    from ${db(source.table)} where status = any(${db.array([source.status].flat())}::text[])
      and ${at} >= ${range.from} and ${at} < ${range.to}
    group by 1, 2 order by 1, 2`;
  return toDayVolumes(rows);
}

/** Rows of `day, currency, amount (text), n`: what a feature's own volume query (a join) selects. */
export function toDayVolumes(rows: readonly Record<string, unknown>[]): DayVolume[] {
  return rows.map((r) => ({
    day: r.day as string,
    currency: r.currency as string,
    amount: BigInt(r.amount as string),
    count: r.n as number,
  }));
}
