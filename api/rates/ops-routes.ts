/**
 * Operators' rate controls: a pair's source (static price, formula, exchange ticker, our own last trade), enabling a
 * pair, a refresh now.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorCode } from '../../domain/errors.js';
import { formatPercent } from '../../domain/fees.js';
import { formatRate, RATE_DIGITS } from '../../domain/rates/rate.js';
import { EXCHANGE_ID, MARKET_SYMBOL, RATE_SOURCE_KINDS, type RateSetting } from '../../domain/rates/sources.js';
import { refreshRatesNow } from '../../services/rates/client.js';
import { rateSourceChange, setRateSource, switchPair } from '../../services/rates/service.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { ApiError } from '../http/problem.js';
import { jsonBody, jsonResponse, PairCode, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const Percent = z
  .string()
  .regex(/^\d{1,3}(\.\d{1,4})?$/, 'must be a percentage such as "0.25"')
  .openapi({ example: '0.2' });
const Leg = z.object({ pair: PairCode, invert: z.boolean().default(false) });
const Common = {
  spread_percent: Percent.default('0'),
  max_age_seconds: z.number().int().min(1).max(86_400).default(60).openapi({
    description: 'An observed rate older than this is refused for quotes (503)',
  }),
};
const RateSourceBody = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('static'),
      rate: z.string().regex(/^\d{1,40}(\.\d{1,40})?$/, 'must be a decimal rate'),
      ...Common,
    }),
    z.object({ kind: z.literal('formula'), legs: z.array(Leg).min(1).max(4), ...Common }),
    z.object({
      kind: z.literal('external'),
      exchange: z.string().regex(EXCHANGE_ID, 'must be a ccxt exchange id such as "binance"'),
      symbol: z.string().regex(MARKET_SYMBOL, 'must be a unified symbol such as "BTC/USDT"'),
      ...Common,
    }),
    z
      .object({ kind: z.literal('market'), ...Common })
      .openapi({ description: "The pair's last trade price on this exchange (spot pairs only), stale after max_age_seconds" }),
  ])
  .openapi('RateSourceRequest');
const RateSourceView = z
  .object({
    pair: z.string(),
    kind: z.enum(RATE_SOURCE_KINDS),
    rate: z.string().nullable(),
    legs: z.array(z.object({ pair: z.string(), invert: z.boolean() })).nullable(),
    exchange: z.string().nullable(),
    symbol: z.string().nullable(),
    spread_percent: z.string(),
    max_age_seconds: z.number().int(),
  })
  .openapi('RateSource');
const Params = z.object({ pair: PairCode });

export function rateSourceView(s: RateSetting) {
  return {
    pair: s.code,
    kind: s.source.kind,
    rate: s.source.kind === 'static' ? formatRate(s.source.rate, RATE_DIGITS) : null,
    legs: s.source.kind === 'formula' ? s.source.legs : null,
    exchange: s.source.kind === 'external' ? s.source.exchange : null,
    symbol: s.source.kind === 'external' ? s.source.symbol : null,
    spread_percent: formatPercent(s.spreadPpm),
    max_age_seconds: s.maxAgeSeconds,
  };
}

export function opsRateRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/pairs/{pair}/rate-source',
      tags: ['operations'],
      summary: "Set a pair's rate source, spread and maximum age (a static price applies at once, others at the next refresh)",
      request: { params: Params, ...jsonBody(RateSourceBody) },
      responses: { 200: jsonResponse('The saved source', RateSourceView), ...problems(400, 401, 403, 415) },
    }),
    async (c) => {
      const { spread_percent, max_age_seconds, ...body } = c.req.valid('json');
      const change = rateSourceChange({
        ...body,
        pair: c.req.valid('param').pair,
        spreadPercent: spread_percent,
        maxAgeSeconds: max_age_seconds,
      });
      const saved = await setRateSource(deps, change, c.get('user').id);
      return c.json(rateSourceView(saved), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'patch',
      path: '/v1/ops/pairs/{pair}',
      tags: ['operations'],
      summary: 'Enable or disable a pair: a disabled pair is neither traded nor swapped',
      request: { params: Params, ...jsonBody(z.object({ enabled: z.boolean() })) },
      responses: {
        200: jsonResponse('The pair', z.object({ pair: z.string(), enabled: z.boolean() })),
        ...problems(400, 401, 403, 415),
      },
    }),
    async (c) => {
      const code = c.req.valid('param').pair;
      const { enabled } = c.req.valid('json');
      await switchPair(deps, code, enabled, c.get('user').id);
      return c.json({ pair: code, enabled }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/exchange-rates/refresh',
      tags: ['operations'],
      summary: 'Refresh every rate now (the schedule does it every RATES_REFRESH_INTERVAL) and say which pairs failed',
      responses: {
        200: jsonResponse(
          'What was refreshed',
          z.object({ recorded: z.array(z.string()), failed: z.array(z.object({ pair: z.string(), error: z.string() })) }),
        ),
        ...problems(401, 403, 503),
      },
    }),
    async (c) => {
      const result = await refreshRatesNow(deps.temporal).catch((error: unknown) => {
        deps.log.warn({ err: error }, 'an operator refresh of the rates could not run');
        throw new ApiError(
          ErrorCode.Unavailable,
          'the refresh could not run (Temporal or the worker is away); the schedule will',
        );
      });
      deps.rates.forget();
      return c.json(result, 200);
    },
  );
}
