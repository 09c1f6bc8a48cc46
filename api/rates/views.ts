/** How a rate looks on the wire: decimal strings (12 places at most) for the mid, bid and ask; the spread in percent. */
import { z } from '@hono/zod-openapi';
import { formatPercent } from '../../domain/fees.js';
import { formatRate } from '../../domain/rates/rate.js';
import { ask, bid, isStale, RATE_SOURCE_KINDS } from '../../domain/rates/sources.js';
import type { PairRateView } from '../../services/rates/client.js';

export const RateView = z
  .object({
    pair: z.string(),
    base: z.string(),
    quote: z.string(),
    rate: z.string().openapi({ description: 'Mid rate: quote units per one base unit', example: '90000' }),
    bid: z.string().openapi({ description: 'What a seller of the base gets (mid less the spread)' }),
    ask: z.string().openapi({ description: 'What a buyer of the base pays (mid plus the spread)' }),
    spread_percent: z.string(),
    source: z.enum(RATE_SOURCE_KINDS),
    as_of: z.string().nullable().openapi({ description: 'When the prices under it were observed; null for a static price' }),
    recorded_at: z.string(),
    stale: z.boolean().openapi({ description: 'Older than its pair allows: quotes on it are refused (503)' }),
  })
  .openapi('ExchangeRate');

export function rateView(r: Omit<PairRateView, 'maxAgeSeconds'> & { maxAgeSeconds?: number }, now = new Date()) {
  return {
    pair: r.code,
    base: r.base,
    quote: r.quote,
    rate: formatRate(r.mid),
    bid: formatRate(bid(r.mid, r.spreadPpm)),
    ask: formatRate(ask(r.mid, r.spreadPpm)),
    spread_percent: formatPercent(r.spreadPpm),
    source: r.source,
    as_of: r.asOf?.toISOString() ?? null,
    recorded_at: r.recordedAt.toISOString(),
    stale: r.maxAgeSeconds !== undefined && isStale(r.asOf, r.maxAgeSeconds, now),
  };
}
