/** Spot trades' volume per UTC day in each pair's base currency, for the operators' dashboard. */
import type { Db } from '../../platform/db/client.js';
import { toDayVolumes, type DayVolume } from '../../platform/db/volume-by-day.js';

export async function tradeVolumeByDay(db: Db, range: { from: Date; to: Date }): Promise<DayVolume[]> {
  const rows = await db`
    select (t.created_at at time zone 'UTC')::date::text as day, p.base as currency, sum(t.amount)::text as amount,
      count(*)::int as n
    from trades t join pairs p on p.code = t.pair
    where t.created_at >= ${range.from} and t.created_at < ${range.to}
    group by 1, 2 order by 1, 2`;
  return toDayVolumes(rows);
}
