/** Pairs as the engine and the API need them: sizes, fees and both currencies' scales (spot pairs only: see 600_rates.sql). */
import { pairConfigProblem, type Pair } from '../../domain/exchange/pairs.js';
import type { Db } from '../../platform/db/client.js';

export async function loadPairs(db: Db): Promise<Pair[]> {
  const rows = await db`
    select p.code, p.base, p.quote, b.scale as base_scale, q.scale as quote_scale, p.tick_size, p.lot_size,
           p.min_amount, p.max_amount, p.maker_fee_ppm, p.taker_fee_ppm, p.enabled
    from pairs p join currencies b on b.code = p.base join currencies q on q.code = p.quote
    where p.spot
    order by p.code`;
  return rows.map((r) => {
    const pair: Pair = {
      code: r.code,
      base: r.base,
      quote: r.quote,
      baseScale: Number(r.baseScale),
      quoteScale: Number(r.quoteScale),
      tickSize: r.tickSize as bigint,
      lotSize: r.lotSize as bigint,
      minAmount: r.minAmount as bigint,
      maxAmount: r.maxAmount as bigint,
      makerFeePpm: BigInt(r.makerFeePpm as number),
      takerFeePpm: BigInt(r.takerFeePpm as number),
      enabled: r.enabled as boolean,
    };
    const problem = pairConfigProblem(pair);
    if (problem) throw new Error(`pair ${pair.code} is misconfigured: ${problem}`);
    return pair;
  });
}

/** Operators (and tests) switch a pair's trading on and off. */
/** An operator switches a pair on or off; who did, and when, is kept on the pair. */
export async function setPairEnabled(db: Db, code: string, enabled: boolean, operatorId: string): Promise<void> {
  await db`
    update pairs set enabled = ${enabled}, enabled_changed_by = ${operatorId}, enabled_changed_at = now() where code = ${code}`;
}
