/** Exchange rates, public: the current rate of every priced pair, and a pair's history over a period. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorCode } from '../../domain/errors.js';
import { rateHistory } from '../../services/rates/history-store.js';
import { loadRatePairs } from '../../services/rates/sources-store.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { ApiError, invalidField } from '../http/problem.js';
import { jsonResponse, PairCode, problems } from '../http/schemas.js';
import { rateView, RateView } from './views.js';
import { storableInstant } from '../http/instants.js';

const MAX_BUCKETS = 1_000;
const INTERVALS: Record<string, number> = { '1m': 60, '5m': 300, '15m': 900, '1h': 3_600, '4h': 14_400, '1d': 86_400 };

const HistoryQuery = z.object({
  pair: PairCode,
  from: z.iso.datetime({ offset: true }).openapi({ example: '2026-11-30T00:00:00Z' }),
  to: z.iso.datetime({ offset: true }).openapi({ example: '2026-12-01T00:00:00Z' }),
  interval: z
    .enum(Object.keys(INTERVALS) as [string, ...string[]])
    .default('1h')
    .openapi({ description: 'Bucket size; each bucket gives its last rate' }),
});

export function rateRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/exchange-rates',
      tags: ['rates'],
      summary: "Every priced pair's current rate, its source and whether it is stale",
      responses: { 200: jsonResponse('Current rates', z.object({ data: z.array(RateView) })) },
    }),
    async (c) => {
      const now = new Date();
      return c.json({ data: (await deps.rates.all()).map((r) => rateView(r, now)) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/exchange-rates/history',
      tags: ['rates'],
      summary: "A pair's rates over [from, to): the last rate of each interval, oldest first",
      request: { query: HistoryQuery },
      responses: {
        200: jsonResponse(
          'The rates of the period',
          z.object({ pair: z.string(), interval: z.string(), data: z.array(RateView.omit({ stale: true })) }),
        ),
        ...problems(400),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const from = storableInstant(query.from);
      const to = storableInstant(query.to);
      if (Date.parse(query.to) <= Date.parse(query.from)) throw invalidField('to', 'must be after from');
      const intervalSeconds = INTERVALS[query.interval]!;
      if ((to.getTime() - from.getTime()) / 1000 / intervalSeconds > MAX_BUCKETS) {
        throw invalidField('interval', `gives more than ${MAX_BUCKETS} buckets for this period: take a longer one`);
      }
      const pair = (await loadRatePairs(deps.sql)).find((p) => p.code === query.pair);
      if (!pair)
        throw new ApiError(ErrorCode.UnknownPair, `unknown pair ${query.pair}`, [{ path: 'pair', message: 'unknown pair' }]);
      const rows = await rateHistory(deps.sql, { pair: pair.code, from, to, intervalSeconds, limit: MAX_BUCKETS });
      const data = rows.map((r) => {
        const { stale: _, ...view } = rateView({ ...r, code: r.pair, base: pair.base, quote: pair.quote });
        return view;
      });
      return c.json({ pair: pair.code, interval: query.interval, data }, 200);
    },
  );
}
