/** Candles: built from newly inserted trades inside the settlement transaction, read by GET /v1/candles. */
import type { Db, Tx } from '../../platform/db/client.js';

export const CANDLE_PERIODS = ['1m', '5m', '15m', '1h', '4h', '1d', '1w'] as const;
export type CandlePeriod = (typeof CANDLE_PERIODS)[number];

export interface Candle {
  pair: string;
  period: CandlePeriod;
  openTime: Date;
  open: bigint;
  high: bigint;
  low: bigint;
  close: bigint;
  volume: bigint;
  quoteVolume: bigint;
  trades: number;
}

export const toCandle = (r: Record<string, unknown>): Candle => ({
  pair: r.pair as string,
  period: r.period as CandlePeriod,
  openTime: r.openTime as Date,
  open: r.open as bigint,
  high: r.high as bigint,
  low: r.low as bigint,
  close: r.close as bigint,
  volume: r.volume as bigint,
  quoteVolume: r.quoteVolume as bigint,
  trades: Number(r.trades),
});

/**
 * The tail of a statement whose CTE `inserted` holds the trades just inserted: folds them into every period's candle
 * (open and close by trade id, so batches may arrive in any order) and returns the candles as stored.
 */
export function upsertCandles(tx: Tx) {
  return tx`
    , buckets as (
      select t.*, p.period, date_bin(p.width, t.created_at, timestamptz '2000-01-03 00:00:00+00') as open_time
      from inserted t cross join (values ('1m', interval '1 minute'), ('5m', interval '5 minutes'), ('15m', interval '15 minutes'),
        ('1h', interval '1 hour'), ('4h', interval '4 hours'), ('1d', interval '1 day'), ('1w', interval '7 days')) as p(period, width)
    ), folded as (
      select pair, period, open_time,
        (array_agg(price order by id))[1] as open, max(price) as high, min(price) as low,
        (array_agg(price order by id desc))[1] as close, sum(amount) as volume, sum(quote_amount) as quote_volume,
        count(*)::int as trades, min(id) as first_trade, max(id) as last_trade
      from buckets group by pair, period, open_time
    )
    insert into candles as c (pair, period, open_time, open, high, low, close, volume, quote_volume, trades, first_trade, last_trade)
    select * from folded
    on conflict (pair, period, open_time) do update set
      open = case when excluded.first_trade < c.first_trade then excluded.open else c.open end,
      high = greatest(c.high, excluded.high),
      low = least(c.low, excluded.low),
      close = case when excluded.last_trade > c.last_trade then excluded.close else c.close end,
      volume = c.volume + excluded.volume,
      quote_volume = c.quote_volume + excluded.quote_volume,
      trades = c.trades + excluded.trades,
      first_trade = least(c.first_trade, excluded.first_trade),
      last_trade = greatest(c.last_trade, excluded.last_trade)
    returning *`;
}

/**
 * A pair's candles of one period in [from, to), oldest first, at most `limit`: the first ones from `from`, or without
 * it the latest before `to` (what a chart opens on; from the start of time, a market older than `limit` periods
 * answered only its oldest).
 */
export async function candlesOf(
  db: Db,
  pair: string,
  period: CandlePeriod,
  range: { from: Date | null; to: Date },
  limit: number,
): Promise<Candle[]> {
  const { from, to } = range;
  const rows = from
    ? await db`
        select * from candles where pair = ${pair} and period = ${period} and open_time >= ${from} and open_time < ${to}
        order by open_time limit ${limit}`
    : await db`
        select * from (
          select * from candles where pair = ${pair} and period = ${period} and open_time < ${to}
          order by open_time desc limit ${limit}) latest
        order by open_time`;
  return rows.map(toCandle);
}
