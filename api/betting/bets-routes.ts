/** Bets: a user places one on an open event (the stake is held in the ledger) and follows its settlement. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { betById, betByIdempotencyKey, betsOfUser, type Bet } from '../../services/betting/bets-store.js';
import { bettingRefusal, bettorRefusal } from '../../domain/betting/events.js';
import { BET_STATUSES, formatCoefficient, parseStake, payoutFor, STAKE_DECIMALS } from '../../domain/betting/bets.js';
import type { Currency } from '../../domain/currencies.js';
import { DomainError, ErrorCode, type FieldIssue } from '../../domain/errors.js';
import { moreThanAvailable } from '../../domain/ledger/engine.js';
import type { Guards } from '../http/guards.js';
import { isOperator } from '../http/roles.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireCurrency } from '../http/money.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { ApiError, invalidField, found } from '../http/problem.js';
import {
  CallbackUrl,
  CurrencyCode,
  DecimalString,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  replayHeaders,
  problems,
} from '../http/schemas.js';
import { checkCallbackUrl, linkReplayedOrder, orderCallback, orderId } from '../../services/orders/client.js';
import { EventId, settlesEveryEvent } from './events-routes.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const BetRequest = z
  .object({
    // clients send ids as numbers as often as strings
    event_id: z.coerce.string().pipe(EventId).openapi({ example: '42' }),
    amount: DecimalString.openapi({ description: `The stake: positive, at most ${STAKE_DECIMALS} decimal places` }),
    currency: CurrencyCode,
    callback_url: CallbackUrl.optional().openapi({ description: 'Told when the bet is placed and when it is settled' }),
  })
  .openapi('BetRequest');

const BetView = z
  .object({
    id: z.string(),
    event_id: z.string(),
    currency: z.string(),
    amount: z.string(),
    coefficient: z.string().openapi({ description: "The event's coefficient when the bet was placed" }),
    status: z.enum(BET_STATUSES),
    potential_payout: z.string().openapi({ description: "amount × coefficient, rounded down to the currency's minor unit" }),
    payout: z.string().nullable().openapi({ description: 'What was paid back at settlement; null while pending' }),
    placed_at: z.string(),
    settled_at: z.string().nullable(),
  })
  .openapi('Bet');

function betView(bet: Bet, currency: Pick<Currency, 'scale'>) {
  return {
    id: bet.id,
    event_id: bet.eventId,
    currency: bet.currency,
    amount: money(bet.amount, currency),
    coefficient: formatCoefficient(bet.coefficient),
    status: bet.status,
    potential_payout: money(payoutFor(bet.amount, bet.coefficient), currency),
    payout: bet.payout === null ? null : money(bet.payout, currency),
    placed_at: bet.placedAt.toISOString(),
    settled_at: bet.settledAt?.toISOString() ?? null,
  };
}

const FIELD_OF: Partial<Record<ErrorCode, FieldIssue>> = {
  [ErrorCode.NotFound]: { path: 'event_id', message: 'matches no event' },
  [ErrorCode.EventClosed]: { path: 'event_id', message: 'takes no more bets: its deadline has passed' },
  [ErrorCode.EventNotOpen]: { path: 'event_id', message: 'takes no more bets: it has a result' },
  [ErrorCode.InsufficientFunds]: moreThanAvailable(),
};

/** The refusal's own fields (an Idempotency-Key's conflict names what differs), else the field its code is about. */
const refusal = (error: { code: ErrorCode; message: string; issues?: FieldIssue[] }) => {
  if (error.issues?.length) return new ApiError(error.code, error.message, error.issues);
  const field = FIELD_OF[error.code];
  return new ApiError(error.code, error.message, field ? [field] : []);
};

export function betRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const callbacks = { sql: deps.sql, ...deps.webhooks };
  app.openapi(
    guardedRoute(guards.funds, {
      method: 'post',
      path: '/v1/bets',
      tags: ['betting'],
      summary: 'Bet on an open event: the stake is held until the event is settled',
      description:
        'Operators and admins, who may settle any event, cannot bet (403), nor can a line provider on its own events ' +
        '(403 naming `event_id`).',
      request: { headers: IdempotencyHeaders, ...jsonBody(BetRequest) },
      responses: {
        201: jsonResponse('Placed (or the first bet of this Idempotency-Key)', BetView),
        ...problems(400, 401, 403, 404, 409, 415, 422),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const user = c.get('user');
      const idempotencyKey = c.req.valid('header')['idempotency-key'];
      const currency = await requireCurrency(deps.currencies, body.currency);
      if (!currency.enabled)
        throw new ApiError(ErrorCode.CurrencyDisabled, `${currency.code} is disabled`, [
          { path: 'currency', message: 'is disabled' },
        ]);
      checkCallbackUrl(callbacks, body.callback_url);
      const stake = parseStake(body.amount, currency.scale);
      if (!stake.ok)
        throw invalidField(
          'amount',
          `${stake.reason} (a stake has at most ${Math.min(STAKE_DECIMALS, currency.scale)} decimal places)`,
        );

      // fast refusal from the caller's role and the cache (a hit is no promise); a repeated request is still answered with
      // the bet it placed
      const cached = deps.betting.events.get(body.event_id);
      const event = cached instanceof Promise ? await cached : cached;
      const early =
        bettorRefusal({ id: user.id, settlesEveryEvent: settlesEveryEvent(user) }) ??
        (event ? bettingRefusal(event, new Date()) : new DomainError(ErrorCode.NotFound, 'no such event'));
      if (early && !(await betByIdempotencyKey(deps.sql, user.id, idempotencyKey))) throw refusal(early);

      const callback = orderCallback(callbacks, user.id, body.callback_url);
      const outcome = await deps.betting.placer.place({
        userId: user.id,
        eventId: body.event_id,
        currency: currency.code,
        amount: stake.value,
        idempotencyKey,
        callback,
      });
      deps.metrics.ledgerOutcomes.inc({ outcome: outcome.ok ? (outcome.replayed ? 'replayed' : 'held') : outcome.error.code });
      if (!outcome.ok) throw refusal(outcome.error);
      if (outcome.replayed) await linkReplayedOrder(deps.sql, { id: orderId('bet', outcome.bet.id), userId: user.id }, callback);
      return c.json(betView(outcome.bet, currency), 201, replayHeaders(outcome.replayed));
    },
  );

  app.openapi(
    pageRoute(guards.user, {
      path: '/v1/bets',
      tags: ['betting'],
      summary: "The caller's bets, newest first",
      filters: { status: z.enum(BET_STATUSES).optional(), event_id: EventId.optional() },
      items: ['A page of bets', BetView],
    }),
    async (c) => {
      const { limit, cursor, status, event_id } = c.req.valid('query');
      const rows = await betsOfUser(deps.sql, c.get('user').id, {
        before: decodeCursor(cursor, Positions.serial),
        limit: limit + 1,
        status,
        eventId: event_id,
      });
      const currencies = new Map((await deps.currencies.all()).map((cur) => [cur.code, cur]));
      return c.json(
        await pageBody(
          rows,
          limit,
          (b) => b.id,
          (b) => betView(b, currencies.get(b.currency)!),
        ),
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/bets/{id}',
      tags: ['betting'],
      summary: "One of the caller's bets (operators: any bet)",
      request: { params: z.object({ id: z.string().regex(/^[1-9]\d{0,17}$/, 'must be a bet id') }) },
      responses: { 200: jsonResponse('The bet', BetView), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const user = c.get('user');
      const bet = found(
        await betById(deps.sql, c.req.valid('param').id),
        'no such bet',
        (b) => b.userId === user.id || isOperator(user.role),
      );
      return c.json(betView(bet, (await deps.currencies.get(bet.currency))!), 200);
    },
  );
}
