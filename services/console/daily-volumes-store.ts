/** The dashboard's kept volumes of closed days (migration 921): read for a range, stored once per series and day. */
import type { Db, Sql } from '../../platform/db/client.js';

/** One series' volume of one currency on one UTC day (`YYYY-MM-DD`). */
export interface DayVolume {
  day: string;
  currency: string;
  amount: bigint;
  count: number;
}

/** Which of `days` are kept for the series, and their volumes. */
export async function keptVolumes(db: Db, series: string, days: string[]): Promise<{ kept: Set<string>; rows: DayVolume[] }> {
  const found = await db`
    select d.day::text as day, v.currency, v.amount, v.count
    from console_volume_days d
    left join console_daily_volumes v on v.series = d.series and v.day = d.day
    where d.series = ${series} and d.day = any(${days}::date[])`;
  const kept = new Set<string>();
  const rows: DayVolume[] = [];
  for (const r of found) {
    kept.add(r.day as string);
    if (r.currency !== null)
      rows.push({ day: r.day as string, currency: r.currency as string, amount: BigInt(r.amount), count: Number(r.count) });
  }
  return { kept, rows };
}

/**
 * Keeps closed days' volumes. Two processes keeping the same day race harmlessly: only the one that records the day
 * stores its rows (both read the same final figures).
 */
export async function keepVolumes(db: Sql, series: string, days: string[], rows: DayVolume[]): Promise<void> {
  await db.begin(async (tx) => {
    const recorded = await tx`
      insert into console_volume_days (series, day)
      select ${series}, unnest(${days}::date[])
      on conflict do nothing
      returning day::text as day`;
    const fresh = new Set(recorded.map((r) => r.day as string));
    const stored = rows.filter((r) => fresh.has(r.day));
    if (stored.length === 0) return;
    await tx`
      insert into console_daily_volumes ${tx(
        stored.map((r) => ({ series, day: r.day, currency: r.currency, amount: r.amount.toString(), count: r.count })),
      )}`;
  });
}
