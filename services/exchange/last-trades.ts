/** The last trade of each pair: what a rate with a `market` source is priced at (see services/rates/refresh.ts). */
import type { Db } from '../../platform/db/client.js';

export interface LastTrade {
  pair: string;
  /** Quote minor units per whole base unit. */
  price: bigint;
  quoteScale: number;
  at: Date;
}

export async function lastTrades(db: Db, pairs: string[]): Promise<LastTrade[]> {
  if (pairs.length === 0) return [];
  const rows = await db`
    select t.pair, t.price, t.created_at, q.scale as quote_scale
    from unnest(${db.array(pairs)}::text[]) as p(code)
    cross join lateral (select pair, price, created_at from trades where pair = p.code order by id desc limit 1) t
    join pairs on pairs.code = t.pair join currencies q on q.code = pairs.quote`;
  return rows.map((r) => ({
    pair: r.pair as string,
    price: r.price as bigint,
    quoteScale: Number(r.quoteScale),
    at: r.createdAt as Date,
  }));
}
