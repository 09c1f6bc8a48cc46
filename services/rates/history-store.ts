/** The rates' history (exchange_rates): each refresh appends every pair's mid rate; the newest row is the current rate. */
import { rate, type Rate } from '../../domain/rates/rate.js';
import type { RateSourceKind } from '../../domain/rates/sources.js';
import type { Db } from '../../platform/db/client.js';

export interface RecordedRate {
  pair: string;
  mid: Rate;
  spreadPpm: bigint;
  source: RateSourceKind;
  asOf: Date | null;
}

export interface StoredRate extends RecordedRate {
  recordedAt: Date;
}

export async function recordRates(db: Db, rates: RecordedRate[]): Promise<void> {
  if (rates.length === 0) return;
  await db`
    insert into exchange_rates (pair, mid_num, mid_den, spread_ppm, source, as_of)
    select * from unnest(
      ${db.array(rates.map((r) => r.pair))}::text[],
      ${db.array(rates.map((r) => r.mid.num.toString()))}::numeric[],
      ${db.array(rates.map((r) => r.mid.den.toString()))}::numeric[],
      ${db.array(rates.map((r) => Number(r.spreadPpm)))}::integer[],
      ${db.array(rates.map((r) => r.source))}::text[],
      ${db.array(rates.map((r) => r.asOf?.toISOString() ?? null))}::timestamptz[])`;
}

const toStored = (r: Record<string, unknown>): StoredRate => ({
  pair: r.pair as string,
  mid: rate(r.midNum as bigint, r.midDen as bigint),
  spreadPpm: BigInt(r.spreadPpm as number),
  source: r.source as RateSourceKind,
  asOf: (r.asOf as Date | null) ?? null,
  recordedAt: r.recordedAt as Date,
});

/** The newest rate of every pair that has one. */
export async function latestRates(db: Db): Promise<StoredRate[]> {
  const rows = await db`
    select r.* from pairs p
    cross join lateral (
      select pair, mid_num, mid_den, spread_ppm, source, as_of, recorded_at from exchange_rates e
      where e.pair = p.code order by recorded_at desc, id desc limit 1) r
    order by p.code`;
  return rows.map(toStored);
}

/** The last rate of each `intervalSeconds` bucket in [from, to), oldest first, at most `limit` buckets. */
export async function rateHistory(
  db: Db,
  query: { pair: string; from: Date; to: Date; intervalSeconds: number; limit: number },
): Promise<StoredRate[]> {
  const rows = await db`
    select distinct on (bucket) date_bin(make_interval(secs => ${query.intervalSeconds}), recorded_at, ${query.from}) as bucket,
           pair, mid_num, mid_den, spread_ppm, source, as_of, recorded_at
    from exchange_rates
    where pair = ${query.pair} and recorded_at >= ${query.from} and recorded_at < ${query.to}
    order by bucket, recorded_at desc, id desc
    limit ${query.limit}`;
  return rows.map(toStored);
}
