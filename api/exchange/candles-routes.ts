/** Candles for charts: public, built from trades (1m to 1w). */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { formatAmount } from '../../domain/money.js';
import { CANDLE_PERIODS, candlesOf } from '../../services/exchange/candles-store.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { jsonResponse, problems } from '../http/schemas.js';
import { storableInstant } from '../http/instants.js';

const MAX_CANDLES = 1_000;
const CandleView = z
  .object({
    open_time: z.string(),
    open: z.string(),
    high: z.string(),
    low: z.string(),
    close: z.string(),
    volume: z.string(),
    trades: z.number(),
  })
  .openapi('Candle');

export function candleRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps) {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/candles',
      tags: ['exchange'],
      summary: `A pair's candles of one period between from (inclusive) and to (exclusive), oldest first, at most ${MAX_CANDLES}: without from, the latest before to`,
      request: {
        query: z
          .object({
            pair: z.string().regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/),
            interval: z.enum(CANDLE_PERIODS),
            from: z.iso.datetime({ offset: true }).optional(),
            to: z.iso.datetime({ offset: true }).optional(),
          })
          // a window that ends where it starts, or before, holds no candle: a mistake, not an empty chart
          .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), {
            message: 'must be before to',
            path: ['from'],
          }),
      },
      responses: { 200: jsonResponse('Candles', z.object({ data: z.array(CandleView) })), ...problems(400) },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const pair = await deps.exchange.pair(query.pair);
      const to = query.to ? storableInstant(query.to) : new Date(Date.now() + 60_000);
      const from = query.from ? storableInstant(query.from) : null;
      const candles = await candlesOf(deps.sql, pair.code, query.interval, { from, to }, MAX_CANDLES);
      const price = (v: bigint) => formatAmount(v, pair.quoteScale);
      return c.json(
        {
          data: candles.map((k) => ({
            open_time: k.openTime.toISOString(),
            open: price(k.open),
            high: price(k.high),
            low: price(k.low),
            close: price(k.close),
            volume: formatAmount(k.volume, pair.baseScale),
            trades: k.trades,
          })),
        },
        200,
      );
    },
  );
}
