/** Spot orders: place (funds held), cancel (the rest released), list, one with its fills; the caller's trades. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ordersOfUser, orderById, tradesOfOrder, tradesOfUser } from '../../services/exchange/orders-store.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { found } from '../http/problem.js';

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
import { minorUnits, orderView, OrderView, tradeView, TradeView } from './views.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const PairCode = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/)
  .openapi({ example: 'BTC-USDT' });
const OrderId = z.string().regex(/^\d{1,18}$/);

const OrderRequest = z
  .object({
    pair: PairCode,
    side: z.enum(['buy', 'sell']),
    type: z.enum(['limit', 'market']),
    price: DecimalString.optional().openapi({ description: 'Quote per one base unit, on the tick size; limit orders' }),
    amount: DecimalString.optional().openapi({ description: 'Base amount, on the lot size' }),
    quote_amount: DecimalString.optional().openapi({ description: 'Market buys: what to spend (and hold)' }),
    time_in_force: z
      .enum(['GTC', 'IOC', 'FOK'])
      .optional()
      .openapi({ description: 'GTC for limit orders, IOC for market by default' }),
    post_only: z.boolean().optional(),
    client_order_id: z.string().min(1).max(64).optional(),
    callback_url: CallbackUrl.optional(),
  })
  .openapi('OrderRequest');

const OrderWithFills = OrderView.extend({ fills: z.array(TradeView) }).openapi('OrderWithFills');

export function orderRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const { exchange } = deps;
  const callbacks = { sql: deps.sql, ...deps.webhooks };
  app.openapi(
    guardedRoute(guards.user, {
      method: 'post',
      path: '/v1/orders',
      tags: ['exchange'],
      summary: 'Place an order: its funds are held (quote for a buy, base for a sell) until it fills or is cancelled',
      request: { headers: IdempotencyHeaders, ...jsonBody(OrderRequest) },
      responses: {
        201: jsonResponse('Placed and matched (or the first order of this Idempotency-Key)', OrderView),
        ...problems(400, 401, 403, 409, 415, 422, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      checkCallbackUrl(callbacks, body.callback_url);
      const pair = await exchange.pair(body.pair);
      const type = body.type;
      const userId = c.get('user').id;
      const callback = orderCallback(callbacks, userId, body.callback_url);
      const { order, replayed } = await exchange.place({
        userId,
        pair: pair.code,
        side: body.side,
        type,
        price: minorUnits(body.price, pair.quoteScale, 'price'),
        amount: minorUnits(body.amount, pair.baseScale, 'amount'),
        quoteAmount: minorUnits(body.quote_amount, pair.quoteScale, 'quote_amount'),
        timeInForce: body.time_in_force ?? (type === 'market' ? 'IOC' : 'GTC'),
        postOnly: body.post_only ?? false,
        clientOrderId: body.client_order_id ?? null,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        callback,
      });
      if (replayed) await linkReplayedOrder(deps.sql, { id: orderId('ord', order.id), userId }, callback);
      return c.json(orderView(order, pair), 201, replayHeaders(replayed));
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'delete',
      path: '/v1/orders/{id}',
      tags: ['exchange'],
      summary: 'Cancel an open order: what is left of its hold is released',
      request: { params: z.object({ id: OrderId }) },
      responses: { 200: jsonResponse('Cancelled', OrderView), ...problems(400, 401, 404, 409, 503) },
    }),
    async (c) => {
      const order = await exchange.cancel(c.get('user').id, c.req.valid('param').id);
      return c.json(orderView(order, await exchange.pair(order.pair)), 200);
    },
  );

  app.openapi(
    pageRoute(guards.funds, {
      path: '/v1/orders',
      tags: ['exchange'],
      summary: "The caller's orders, newest first: open ones, history, or both",
      filters: { pair: PairCode.optional(), state: z.enum(['open', 'closed']).optional() },
      items: ['A page of orders', OrderView],
    }),
    async (c) => {
      const { limit, cursor, pair, state } = c.req.valid('query');
      const rows = await ordersOfUser(deps.sql, c.get('user').id, {
        before: decodeCursor(cursor, Positions.serial),
        limit: limit + 1,
        pair,
        open: state === undefined ? undefined : state === 'open',
      });
      const pairs = await exchange.pairs();
      return c.json(
        await pageBody(
          rows,
          limit,
          (o) => o.id,
          (o) => orderView(o, pairs.get(o.pair)!),
        ),
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'get',
      path: '/v1/orders/{id}',
      tags: ['exchange'],
      summary: 'One of the caller’s orders with its fills',
      request: { params: z.object({ id: OrderId }) },
      responses: { 200: jsonResponse('The order', OrderWithFills), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const user = c.get('user').id;
      const order = found(await orderById(deps.sql, c.req.valid('param').id), 'no such order', (o) => o.userId === user);
      const pair = await exchange.pair(order.pair);
      const fills = (await tradesOfOrder(deps.sql, order.id)).map((t) => tradeView(t, pair, user));
      return c.json({ ...orderView(order, pair), fills }, 200);
    },
  );

  app.openapi(
    pageRoute(guards.funds, {
      path: '/v1/trades',
      tags: ['exchange'],
      summary: "The caller's trades, newest first",
      filters: { pair: PairCode.optional() },
      items: ['A page of trades', TradeView],
    }),
    async (c) => {
      const { limit, cursor, pair } = c.req.valid('query');
      const user = c.get('user').id;
      const before = decodeCursor(cursor, Positions.serial);
      const rows = await tradesOfUser(deps.sql, user, { pair, limit: limit + 1, before });
      const pairs = await exchange.pairs();
      return c.json(
        await pageBody(
          rows,
          limit,
          (t) => t.no,
          (t) => tradeView(t, pairs.get(t.pair)!, user),
        ),
        200,
      );
    },
  );
}
