/** Pairs are data: every pair, whether it trades on the spot exchange, its rate source and its fast-exchange terms. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { formatPercent } from '../../domain/fees.js';
import { FAST_EXCHANGE_SETTINGS } from '../../domain/fast-exchange/settings.js';
import { RATE_SOURCE_KINDS } from '../../domain/rates/sources.js';
import { loadRatePairs } from '../../services/rates/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money } from '../http/money.js';
import { jsonResponse } from '../http/schemas.js';

const PairView = z
  .object({
    code: z.string(),
    base: z.string(),
    quote: z.string(),
    enabled: z.boolean().openapi({ description: 'Operators switch a pair off for trading and swaps alike' }),
    spot: z.boolean().openapi({ description: 'Whether it has an order book on the spot exchange' }),
    rate_source: z.enum(RATE_SOURCE_KINDS).nullable(),
    fast_exchange: z
      .object({
        enabled: z.boolean(),
        fee_percent: z.string(),
        quote_ttl_seconds: z.number().int(),
        min_amount: z.string(),
        max_amount: z.string().nullable(),
      })
      .nullable()
      .openapi({ description: 'The default terms (a user may have their own); null for a pair without a rate' }),
  })
  .openapi('Pair');

export function pairRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/pairs',
      tags: ['rates'],
      summary: 'Every pair: spot trading, rate source and fast-exchange terms',
      responses: { 200: jsonResponse('Pairs', z.object({ data: z.array(PairView) })) },
    }),
    async (c) => {
      const [pairs, rates] = await Promise.all([loadRatePairs(deps.sql), deps.rates.all()]);
      const sources = new Map(rates.map((r) => [r.code, r.source]));
      const data = await Promise.all(
        pairs.map(async (p) => {
          const source = sources.get(p.code) ?? null;
          const base = (await deps.currencies.get(p.base))!;
          const terms = source && (await deps.operationSettings.resolve(FAST_EXCHANGE_SETTINGS, p.code, null));
          return {
            code: p.code,
            base: p.base,
            quote: p.quote,
            enabled: p.enabled,
            spot: p.spot,
            rate_source: source,
            fast_exchange: terms
              ? {
                  enabled: terms.enabled,
                  fee_percent: formatPercent(terms.feePpm),
                  quote_ttl_seconds: terms.quoteTtlSeconds,
                  min_amount: money(terms.minAmount, base),
                  max_amount: terms.maxAmount === null ? null : money(terms.maxAmount, base),
                }
              : null,
          };
        }),
      );
      return c.json({ data }, 200);
    },
  );
}
