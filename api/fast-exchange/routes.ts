/** Fast exchange for users: ask for a quote, read it, accept it (settles at once against the exchange's inventory). */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Currency } from '../../domain/currencies.js';
import { formatRate } from '../../domain/rates/rate.js';
import type { StoredQuote } from '../../services/fast-exchange/quotes-store.js';
import {
  acceptQuote,
  createQuote,
  ownQuote,
  quoteStatus,
  repeatQuote,
  type FastExchangeDeps,
  type QuoteStatus,
} from '../../services/fast-exchange/service.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import {
  checkCallbackUrl,
  linkReplayedOrder,
  orderCallback,
  orderId,
  ownOrder,
  publishOrderUpdate,
} from '../../services/orders/client.js';
import {
  CallbackUrl,
  CurrencyCode,
  DecimalString,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  OwnOrOrderId,
  replayHeaders,
  problems,
} from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const QuoteRequest = z
  .object({
    from: CurrencyCode,
    to: CurrencyCode,
    amount_in: DecimalString.optional().openapi({ description: 'What you pay, fee included' }),
    amount_out: DecimalString.optional().openapi({ description: 'What you want to receive' }),
    callback_url: CallbackUrl.optional().openapi({ description: 'Told when the swap settles (the quote becomes an order)' }),
  })
  .refine((q) => (q.amount_in === undefined) !== (q.amount_out === undefined), {
    message: 'give exactly one of amount_in and amount_out',
    path: ['amount_in'],
  })
  .openapi('ExchangeQuoteRequest');

const QuoteView = z
  .object({
    id: z.uuid(),
    pair: z.string(),
    from: z.string(),
    to: z.string(),
    amount_in: z.string().openapi({ description: 'What the user pays, fee included (source currency)' }),
    fee: z.string().openapi({ description: 'Part of amount_in, in the source currency' }),
    amount_out: z.string().openapi({ description: 'What the user receives (target currency)' }),
    rate: z.string().openapi({ description: 'Target units per source unit, spread included (12 decimals at most)' }),
    status: z.enum(['open', 'accepted', 'expired']),
    expires_at: z.string(),
    accepted_at: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('ExchangeQuote');

const Params = z.object({ id: z.uuid() });

export function quoteView(q: StoredQuote, from: Currency, to: Currency, state: { status: QuoteStatus; acceptedAt: Date | null }) {
  return {
    id: q.id,
    pair: q.pair,
    from: q.from,
    to: q.to,
    amount_in: money(q.amountIn, from),
    fee: money(q.fee, from),
    amount_out: money(q.amountOut, to),
    rate: formatRate(q.rate),
    status: state.status,
    expires_at: q.expiresAt.toISOString(),
    accepted_at: state.acceptedAt?.toISOString() ?? null,
    created_at: q.createdAt.toISOString(),
  };
}

export function fastExchangeRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const service: FastExchangeDeps = {
    sql: deps.sql,
    ledger: deps.ledger,
    rates: deps.rates,
    settings: deps.operationSettings,
    users: deps.users,
    quotes: deps.fastExchange.quotes,
    currencies: deps.currencies,
  };
  const callbacks = { sql: deps.sql, ...deps.webhooks };
  const currencies = async (q: StoredQuote) =>
    [(await deps.currencies.get(q.from))!, (await deps.currencies.get(q.to))!] as const;

  app.openapi(
    guardedRoute(guards.user, {
      method: 'post',
      path: '/v1/exchange/quotes',
      tags: ['fast exchange'],
      summary: 'A quote to swap one currency for another: rate, fee, both amounts, valid until expires_at',
      request: jsonBody(QuoteRequest),
      responses: {
        201: jsonResponse('The quote', QuoteView),
        ...problems(400, 401, 403, 415, 422, 503),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const [from, to] = [
        await requireCurrency(deps.currencies, body.from, 'from'),
        await requireCurrency(deps.currencies, body.to, 'to'),
      ];
      const amount =
        body.amount_in !== undefined
          ? { field: 'amount_in' as const, value: requireAmount(body.amount_in, from, 'amount_in') }
          : { field: 'amount_out' as const, value: requireAmount(body.amount_out!, to, 'amount_out') };
      checkCallbackUrl(callbacks, body.callback_url);
      const userId = c.get('user').id;
      const callback = orderCallback(callbacks, userId, body.callback_url);
      const quote = await createQuote(service, { userId, from, to, amount, callback });
      return c.json(quoteView(quote, from, to, { status: 'open', acceptedAt: null }), 201);
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/exchange/quotes/{id}',
      tags: ['fast exchange'],
      summary: "One of the caller's quotes, with whether it was accepted",
      request: { params: Params },
      responses: { 200: jsonResponse('The quote', QuoteView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const quote = await ownQuote(service, c.get('user').id, c.req.valid('param').id);
      return c.json(quoteView(quote, ...(await currencies(quote)), await quoteStatus(service, quote)), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'post',
      path: '/v1/exchange/quotes/{id}/accept',
      tags: ['fast exchange'],
      summary: 'Accept a quote: the swap settles at once, at most once per quote (a repeat answers with the same swap)',
      description:
        'A quote whose `amount_in` is more than the available balance is a 422 `insufficient_funds` naming `id`, the quote.',
      request: { params: Params, headers: IdempotencyHeaders },
      responses: {
        200: jsonResponse('The accepted quote (or the first result, with Idempotent-Replayed)', QuoteView),
        ...problems(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const swap = await acceptQuote(service, {
        userId: c.get('user').id,
        quoteId: c.req.valid('param').id,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
      });
      // the swap's callback (if any) was told in the swap's transaction; a replay tells it again (harmless: once per
      // state), as an older version, which told it after the swap's commit, may have been cut off in between
      if (swap.replayed) await deps.sql.begin((tx) => publishOrderUpdate(tx, orderId('ex', swap.quote.id)));
      const view = quoteView(swap.quote, ...(await currencies(swap.quote)), { status: 'accepted', acceptedAt: swap.acceptedAt });
      return c.json(view, 200, replayHeaders(swap.replayed));
    },
  );

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'post',
      path: '/v1/exchange/{id}/repeat',
      tags: ['fast exchange'],
      summary: 'A new quote with the parameters of a swap you made',
      description:
        'Repeating an exchange asks for a new quote, never a swap: the same currencies and `amount_in`, with the same ' +
        "callback URL, priced now (today's rate, spread, fee and limits) through the same checks as " +
        "`POST /v1/exchange/quotes`. Accept it (`POST /v1/exchange/quotes/{id}/accept`) to swap. The new quote's id " +
        'follows from the `Idempotency-Key`: repeating the request with that key answers with the same quote.',
      request: {
        params: z.object({
          id: OwnOrOrderId('ex'),
        }),
        headers: IdempotencyHeaders,
      },
      responses: {
        201: jsonResponse('The new quote (or the first result of this Idempotency-Key)', QuoteView),
        ...problems(400, 401, 403, 404, 409, 422, 503),
      },
    }),
    async (c) => {
      const userId = c.get('user').id;
      // only a swap is an exchange order: a quote never accepted is not one to repeat
      const { order } = await ownOrder(deps.sql, userId, orderId('ex', c.req.valid('param').id));
      const original = await ownQuote(service, userId, c.req.valid('param').id);
      const [from, to] = await currencies(original);
      const callback = orderCallback(callbacks, userId, order.callbackUrl);
      const { quote, replayed } = await repeatQuote(service, {
        userId,
        original,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        from,
        to,
        callback,
      });
      if (replayed) await linkReplayedOrder(deps.sql, { id: orderId('ex', quote.id), userId }, callback);
      return c.json(quoteView(quote, from, to, await quoteStatus(service, quote)), 201, replayHeaders(replayed));
    },
  );
}
