/**
 * One order history: every order the caller started (deposit, withdrawal, transfer, exchange, invoice, payment to an
 * invoice from their balance, bet, trade order) in one id space, filtered and paged by keyset; one order's details
 * with its callback deliveries; the caller's callback secret. Registered before the spot exchange's
 * `/v1/orders/{id}`, which would take `history`.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ORDER_ID_PATTERN, ORDER_STATUSES, ORDER_TYPES, type OrderType } from '../../domain/orders/ids.js';
import { userCallbackSecret, type OrderSummary } from '../../services/orders/client.js';
import { orderWithDetails } from '../../services/orders/service.js';
import { orderHistory } from '../../services/orders/store.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { money } from '../http/money.js';
import { decodeCursor, isPositionTime, notACursor, pageBody } from '../http/pages.js';
import { CurrencyCode, jsonResponse, PageQuery, problems, PageOf } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';
import { storableInstant } from '../http/instants.js';

const TYPE_LIST = new RegExp(`^(${ORDER_TYPES.join('|')})(,(${ORDER_TYPES.join('|')}))*$`);

export const OrderIdString = z.string().regex(ORDER_ID_PATTERN).openapi({
  description:
    'An order id: its kind as a prefix (dep_, wd_, tr_, ex_, inv_, ipay_ for invoice payments from a balance, bet_, ord_ for spot orders, trg_ for trigger orders)',
  example: 'wd_0b7e6a4e-2f7c-4d55-9a3e-3c1f0d2b9e11',
});

const HistoryQuery = PageQuery.extend({
  type: z
    .string()
    .regex(TYPE_LIST, `must be one or more of ${ORDER_TYPES.join(', ')}, comma-separated`)
    .optional()
    .openapi({ description: 'Only these kinds, comma-separated', example: 'withdrawal,transfer' }),
  status: z.enum(ORDER_STATUSES).optional(),
  currency: CurrencyCode.optional().openapi({ description: 'Orders moving this currency, on either side' }),
  from: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Created at or after (ISO 8601)' }),
  to: z.iso.datetime({ offset: true }).optional().openapi({ description: 'Created before (ISO 8601)' }),
});

const OrderView = z
  .object({
    id: z.string(),
    type: z.enum(ORDER_TYPES),
    status: z.enum(ORDER_STATUSES).openapi({ description: 'The common status of every kind' }),
    state: z.string().openapi({ description: "The kind's own status (a withdrawal's `broadcast`, a bet's `won`)" }),
    currency: z.string(),
    counter_currency: z.string().nullable().openapi({ description: 'The other currency of an exchange or trade order' }),
    amount: z.string(),
    callback_url: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('OrderSummary');

const CallbackView = z
  .object({
    delivery_id: z.string(),
    event_id: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.array(
      z.object({
        attempt: z.number().int(),
        started_at: z.string(),
        status_code: z.number().int().nullable(),
        error: z.string().nullable(),
        outcome: z.enum(['delivered', 'retry', 'final']),
      }),
    ),
    next_attempt_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('OrderCallbackDelivery');

const OrderDetailsView = OrderView.extend({
  details: z.record(z.string(), z.unknown()).openapi({
    description: "The kind's own fields; amounts as decimal strings in their currency, times (`*_at`, `*_until`) in UTC",
  }),
  callbacks: z.array(CallbackView),
}).openapi('OrderDetails');

/** A cursor's position: the last order's created_at (to the microsecond) and id. */
const POSITION = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) ([a-z]+_[0-9a-f-]{1,36})$/;

function afterCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  const position = decodeCursor(cursor, POSITION);
  if (position === undefined) return undefined;
  const [, createdAt, id] = POSITION.exec(position)!;
  if (!isPositionTime(createdAt!)) throw notACursor();
  return { createdAt: createdAt!, id: id! };
}

export function orderHistoryRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  // the spot exchange's DELETE /v1/orders/{id} would take these paths' other methods with an id of "history": they
  // are paths of their own, so another method is a 405 (registered as `all`, so the 405's Allow does not count it)
  for (const path of ['/v1/orders/history', '/v1/orders/callback-secret'])
    app.all(path, async (c, next) => (c.req.method === 'GET' || c.req.method === 'HEAD' ? next() : c.notFound()));

  async function orderView(o: OrderSummary) {
    return {
      id: o.id,
      type: o.type,
      status: o.status,
      state: o.state,
      currency: o.currency,
      counter_currency: o.counterCurrency,
      amount: money(o.amount, (await deps.currencies.get(o.currency))!),
      callback_url: o.callbackUrl,
      created_at: o.createdAt.toISOString(),
    };
  }

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'get',
      path: '/v1/orders/history',
      tags: ['orders'],
      summary: 'Every order the caller started, of every kind, newest first (keyset cursor)',
      request: { query: HistoryQuery },
      responses: {
        200: jsonResponse('A page of orders', PageOf(OrderView)),
        ...problems(400, 401),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await orderHistory(deps.sql, c.get('user').id, {
        types: q.type ? [...new Set(q.type.split(','))].map((t) => t as OrderType) : undefined,
        status: q.status,
        currency: q.currency,
        from: q.from ? storableInstant(q.from) : undefined,
        to: q.to ? storableInstant(q.to) : undefined,
        after: afterCursor(q.cursor),
        limit: q.limit + 1,
      });
      return c.json(await pageBody(rows, q.limit, (o) => `${o.position} ${o.id}`, orderView), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/orders/callback-secret',
      tags: ['orders'],
      summary: "The secret that signs the caller's order callbacks",
      description:
        'Every callback of an order given a `callback_url` is a POST of `{id, type: "order.updated", created_at, data}` ' +
        '(data: order_id, type, status, state, currency, counter_currency, amount, created_at), signed in ' +
        '`Sluice-Signature` (`t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">`) with this secret, retried on the ' +
        "webhooks' schedule. One callback per state the order reaches.",
      responses: { 200: jsonResponse('The secret', z.object({ secret: z.string() })), ...problems(401) },
    }),
    (c) => c.json({ secret: userCallbackSecret(deps.webhooks, c.get('user').id) }, 200),
  );

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'get',
      path: '/v1/orders/{id}/details',
      tags: ['orders'],
      summary: "One of the caller's orders: common fields, the kind's own fields, and its callback deliveries",
      request: { params: z.object({ id: OrderIdString }) },
      responses: { 200: jsonResponse('The order', OrderDetailsView), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const { order, details, callbacks } = await orderWithDetails(deps.sql, c.get('user').id, c.req.valid('param').id);
      const fields: Record<string, unknown> = { ...details.fields };
      for (const [field, unit] of Object.entries(details.amounts)) {
        const scale = typeof unit === 'string' ? (await deps.currencies.get(unit))?.scale : unit?.decimals;
        if (typeof fields[field] === 'string' && scale !== undefined) fields[field] = money(BigInt(fields[field]), { scale });
      }
      return c.json(
        {
          ...(await orderView(order)),
          details: fields,
          callbacks: callbacks.map((d) => ({
            delivery_id: d.id,
            event_id: d.eventId,
            status: d.status,
            attempts: d.attemptLog.map((a) => ({
              attempt: a.attempt,
              started_at: a.startedAt.toISOString(),
              status_code: a.statusCode,
              error: a.error,
              outcome: a.outcome,
            })),
            next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
            created_at: d.createdAt.toISOString(),
          })),
        },
        200,
      );
    },
  );
}
