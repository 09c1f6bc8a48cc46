/** Trigger orders: stop-market, stop-limit, take-profit, OCO; funds held from creation, each a workflow trigger:<id>. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { formatAmount } from '../../domain/money.js';
import { TRIGGER_KINDS } from '../../domain/exchange/triggers.js';
import type { Pair } from '../../domain/exchange/pairs.js';
import type { StoredTrigger } from '../../services/exchange/triggers-store.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { checkCallbackUrl, linkReplayedOrder, orderCallback, orderId } from '../../services/orders/client.js';
import {
  CallbackUrl,
  DecimalString,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  replayHeaders,
  problems,
} from '../http/schemas.js';
import { minorUnits } from './views.js';
import { guardedRoute } from '../http/routes.js';

const TriggerRequest = z
  .object({
    pair: z.string().regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/),
    kind: z.enum(TRIGGER_KINDS),
    side: z.enum(['buy', 'sell']),
    trigger_price: DecimalString.openapi({ description: 'The last trade price that fires it (an OCO: its take-profit leg)' }),
    price: DecimalString.optional().openapi({
      description: 'The limit price of the order it places (stop_limit, optional for take_profit and an OCO’s take-profit)',
    }),
    stop_price: DecimalString.optional().openapi({
      description: 'OCO only: the last trade price that fires its stop leg (below trigger_price for a sell, above for a buy)',
    }),
    stop_limit_price: DecimalString.optional().openapi({
      description: 'OCO only: the limit price of the stop leg’s order; without it the stop places a market order',
    }),
    amount: DecimalString.optional(),
    quote_amount: DecimalString.optional().openapi({ description: 'A market buy once fired: what to spend (and hold now)' }),
    callback_url: CallbackUrl.optional(),
  })
  .openapi('TriggerRequest');

const TriggerView = z
  .object({
    id: z.string(),
    pair: z.string(),
    kind: z.enum(TRIGGER_KINDS),
    side: z.enum(['buy', 'sell']),
    trigger_price: z.string(),
    price: z.string().nullable(),
    amount: z.string().nullable(),
    quote_amount: z.string().nullable(),
    stop_price: z.string().nullable(),
    stop_limit_price: z.string().nullable(),
    status: z.enum(['pending', 'fired', 'cancelled', 'failed']),
    order_id: z.string().nullable().openapi({ description: 'The order it placed when it fired' }),
    fired_leg: z
      .enum(['stop_market', 'stop_limit', 'take_profit'])
      .nullable()
      .openapi({ description: 'Which leg fired (an OCO’s other leg was cancelled with it)' }),
    cancel_reason: z.enum(['user_disabled']).nullable().openapi({
      description: 'user_disabled: it fired while its user was disabled, so it placed no order and released its hold',
    }),
    failure_reason: z.string().nullable().openapi({
      description:
        'Set when it failed: the error code that refused the order it fired (e.g. pair_disabled, amount_below_minimum, insufficient_funds); its hold was released',
      example: 'pair_disabled',
    }),
    created_at: z.string(),
  })
  .openapi('Trigger');

function triggerView(t: StoredTrigger, pair: Pair) {
  const quote = (v: bigint | null) => (v === null ? null : formatAmount(v, pair.quoteScale));
  return {
    id: t.id,
    pair: t.pair,
    kind: t.kind,
    side: t.side,
    trigger_price: formatAmount(t.triggerPrice, pair.quoteScale),
    price: quote(t.price),
    stop_price: quote(t.stopPrice),
    stop_limit_price: quote(t.stopLimitPrice),
    amount: t.amount === null ? null : formatAmount(t.amount, pair.baseScale),
    quote_amount: quote(t.quoteAmount),
    status: t.status,
    order_id: t.orderId,
    fired_leg: t.firedLeg,
    cancel_reason: t.cancelReason ?? null,
    failure_reason: t.failureReason ?? null,
    created_at: t.createdAt.toISOString(),
  };
}

const Id = z.object({ id: z.string().regex(/^\d{1,18}$/) });

export function triggerRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const { exchange } = deps;
  const callbacks = { sql: deps.sql, ...deps.webhooks };
  app.openapi(
    guardedRoute(guards.user, {
      method: 'post',
      path: '/v1/triggers',
      tags: ['exchange'],
      summary: 'Place a trigger order: its funds are held now, its order is placed when the last price crosses the trigger',
      request: { headers: IdempotencyHeaders, ...jsonBody(TriggerRequest) },
      responses: {
        201: jsonResponse('Armed (or the first trigger of this Idempotency-Key)', TriggerView),
        ...problems(400, 401, 409, 422, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      checkCallbackUrl(callbacks, body.callback_url);
      const pair = await exchange.pair(body.pair);
      const userId = c.get('user').id;
      const callback = orderCallback(callbacks, userId, body.callback_url);
      const { trigger, replayed } = await exchange.placeTrigger(
        {
          userId,
          pair: pair.code,
          kind: body.kind,
          side: body.side,
          triggerPrice: minorUnits(body.trigger_price, pair.quoteScale, 'trigger_price')!,
          price: minorUnits(body.price, pair.quoteScale, 'price'),
          stopPrice: minorUnits(body.stop_price, pair.quoteScale, 'stop_price'),
          stopLimitPrice: minorUnits(body.stop_limit_price, pair.quoteScale, 'stop_limit_price'),
          amount: minorUnits(body.amount, pair.baseScale, 'amount'),
          quoteAmount: minorUnits(body.quote_amount, pair.quoteScale, 'quote_amount'),
          idempotencyKey: c.req.valid('header')['idempotency-key'],
        },
        callback,
      );
      if (replayed) await linkReplayedOrder(deps.sql, { id: orderId('trg', trigger.id), userId }, callback);
      return c.json(triggerView(trigger, pair), 201, replayHeaders(replayed));
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/triggers/{id}',
      tags: ['exchange'],
      summary: 'One of the caller’s trigger orders',
      request: { params: Id },
      responses: { 200: jsonResponse('The trigger', TriggerView), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const trigger = await exchange.triggerOf(c.get('user').id, c.req.valid('param').id);
      return c.json(triggerView(trigger, await exchange.pair(trigger.pair)), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'delete',
      path: '/v1/triggers/{id}',
      tags: ['exchange'],
      summary: 'Cancel a pending trigger order (both legs of an OCO): its hold is released',
      request: { params: Id },
      responses: { 200: jsonResponse('Cancelled', TriggerView), ...problems(400, 401, 404, 409, 503) },
    }),
    async (c) => {
      const trigger = await exchange.cancelTrigger(c.get('user').id, c.req.valid('param').id);
      return c.json(triggerView(trigger, await exchange.pair(trigger.pair)), 200);
    },
  );
}
