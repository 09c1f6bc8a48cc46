/** Rate sources per pair (rate_sources): what the refresh reads and operators set. */
import { formatRate, parseRate, RATE_DIGITS } from '../../domain/rates/rate.js';
import type { FormulaLeg, RateSetting, RateSource } from '../../domain/rates/sources.js';
import type { Db } from '../../platform/db/client.js';

export interface RatePairRow {
  code: string;
  base: string;
  quote: string;
  enabled: boolean;
  spot: boolean;
}

/** Every pair, priced or not. */
export async function loadRatePairs(db: Db): Promise<RatePairRow[]> {
  const rows = await db`select code, base, quote, enabled, spot from pairs order by code`;
  return rows.map((r) => ({ code: r.code, base: r.base, quote: r.quote, enabled: r.enabled, spot: r.spot }));
}

/** Every priced pair's source, spread and maximum age. */
export async function loadRateSettings(db: Db): Promise<RateSetting[]> {
  const rows = await db`
    select p.code, p.base, p.quote, s.kind, s.static_rate::text as static_rate, s.legs, s.exchange, s.symbol,
           s.spread_ppm, s.max_age_seconds
    from rate_sources s join pairs p on p.code = s.pair
    order by p.code`;
  return rows.map((r) => ({
    code: r.code,
    base: r.base,
    quote: r.quote,
    source: sourceOf(r),
    spreadPpm: BigInt(r.spreadPpm as number),
    maxAgeSeconds: Number(r.maxAgeSeconds),
  }));
}

function sourceOf(r: Record<string, unknown>): RateSource {
  switch (r.kind) {
    case 'static':
      return { kind: 'static', rate: parseRate(String(r.staticRate))! };
    case 'formula':
      return { kind: 'formula', legs: r.legs as FormulaLeg[] };
    case 'market':
      return { kind: 'market' };
    default:
      return { kind: 'external', exchange: r.exchange as string, symbol: r.symbol as string };
  }
}

export async function saveRateSetting(db: Db, setting: RateSetting, updatedBy: string): Promise<void> {
  const s = setting.source;
  const values = {
    kind: s.kind,
    // exactly as given: rounded to fewer places, a price of 40 decimals read back as another, or as 0 (refused)
    staticRate: s.kind === 'static' ? formatRate(s.rate, RATE_DIGITS) : null,
    legs: s.kind === 'formula' ? JSON.stringify(s.legs) : null,
    exchange: s.kind === 'external' ? s.exchange : null,
    symbol: s.kind === 'external' ? s.symbol : null,
  };
  await db`
    insert into rate_sources (pair, kind, static_rate, legs, exchange, symbol, spread_ppm, max_age_seconds, updated_by)
    values (${setting.code}, ${values.kind}, ${values.staticRate}::numeric, ${values.legs}::jsonb, ${values.exchange},
            ${values.symbol}, ${Number(setting.spreadPpm)}, ${setting.maxAgeSeconds}, ${updatedBy})
    on conflict (pair) do update set
      kind = excluded.kind, static_rate = excluded.static_rate, legs = excluded.legs, exchange = excluded.exchange,
      symbol = excluded.symbol, spread_ppm = excluded.spread_ppm, max_age_seconds = excluded.max_age_seconds,
      updated_by = excluded.updated_by, updated_at = now()`;
}

/** Who changed each pair's source last, and when (operators read it beside the source). */
export async function rateSourceChanges(db: Db): Promise<Map<string, { by: string | null; at: Date }>> {
  const rows = await db`select pair, updated_by, updated_at from rate_sources`;
  return new Map(rows.map((r) => [r.pair as string, { by: r.updatedBy as string | null, at: r.updatedAt as Date }]));
}
