/**
 * Betting events: line providers (and operators) publish them and set their result; every user can read them to bet;
 * operators follow each event's settlement.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { betEventById, listBetEvents, type BetEvent } from '../../services/betting/events-store.js';
import { publishBetEvent } from '../../services/betting/service.js';
import { bettingRefusal, DEFAULT_BETTING_SECONDS, EVENT_STATES, type SettlementProgress } from '../../domain/betting/events.js';
import { formatCoefficient, parseCoefficient } from '../../domain/betting/bets.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Currency } from '../../domain/currencies.js';
import type { Guards } from '../http/guards.js';
import { isOperator, requireRole } from '../http/roles.js';
import { OPERATOR_ROLES, type Role } from '../../services/users-auth/client.js';
import { changeBetEventBy, settlementProgressOf } from '../../services/betting/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money } from '../http/money.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { ApiError, invalidField } from '../http/problem.js';
import { IdempotencyHeaders, jsonBody, jsonResponse, replayHeaders, problems } from '../http/schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

export const EventId = z.string().regex(/^[1-9]\d{0,17}$/, 'must be an event id such as "42"');
const State = z.enum(EVENT_STATES);
const Coefficient = z
  .string()
  .max(40)
  .openapi({ example: '1.85', description: 'A decimal above 1.00 with at most 2 decimal places' });

const EventView = z
  .object({
    id: z.string(),
    title: z.string().nullable(),
    coefficient: z.string(),
    deadline: z.number().int().openapi({ description: 'Unix seconds: betting stops at exactly this moment' }),
    state: State,
    accepting_bets: z.boolean(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
    settled_at: z.string().nullable(),
  })
  .openapi('BetEvent');

const SettlementView = z
  .object({
    event_id: z.string(),
    phase: z.enum(['open', 'closed', 'settling', 'settled']),
    outcome: State.exclude(['new']).nullable(),
    pages: z.number().int(),
    bets: z
      .object({
        total: z.number().int(),
        pending: z.number().int(),
        won: z.number().int(),
        lost: z.number().int(),
        refunded: z.number().int(),
      })
      .nullable(),
    currencies: z.array(z.object({ currency: z.string(), staked: z.string(), paid_out: z.string() })),
    settling_since: z.string().nullable(),
    settled_at: z.string().nullable(),
    source: z
      .enum(['workflow', 'database'])
      .openapi({ description: "The workflow's query, or the database when the workflow is gone or cannot answer" }),
  })
  .openapi('BetSettlement', { description: 'paid_out: what went back to users (payouts of won bets and refunds)' });

export function eventView(e: BetEvent, now = new Date()) {
  return {
    id: e.id,
    title: e.title,
    coefficient: formatCoefficient(e.coefficient),
    deadline: Math.floor(e.deadline.getTime() / 1000),
    state: e.state,
    accepting_bets: bettingRefusal(e, now) === null,
    created_at: e.createdAt.toISOString(),
    finished_at: e.finishedAt?.toISOString() ?? null,
    settled_at: e.settledAt?.toISOString() ?? null,
  };
}

function requireCoefficient(text: string): bigint {
  const parsed = parseCoefficient(text);
  if (!parsed.ok) throw invalidField('coefficient', parsed.reason);
  return parsed.value;
}

const noSuchEvent = () => new ApiError(ErrorCode.NotFound, 'no such event');

/** Operators set the result of any event (a line provider only of its own), so they may not bet at all (bettorRefusal). */
export const settlesEveryEvent = (user: { role: Role }) => isOperator(user.role);

export function betEventRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const lineProvider = requireRole('line_provider', ...OPERATOR_ROLES);

  app.openapi(
    guardedRoute([guards.user, lineProvider], {
      method: 'post',
      path: '/v1/events',
      tags: ['betting'],
      summary: 'Publish an event to bet on (line providers and operators)',
      request: {
        headers: IdempotencyHeaders.partial(),
        ...jsonBody(
          z.object({
            coefficient: Coefficient,
            deadline: z
              .number()
              .int()
              .positive()
              .optional()
              .openapi({ description: `Unix seconds in the future; default now + ${DEFAULT_BETTING_SECONDS}` }),
            title: z.string().trim().min(1).max(200).optional(),
          }),
        ),
      },
      responses: {
        201: jsonResponse('Published (or the first event of this Idempotency-Key)', EventView),
        ...problems(400, 401, 403, 409, 415),
      },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { event, replayed } = await publishBetEvent(deps, {
        providerId: c.get('user').id,
        idempotencyKey: c.req.valid('header')['idempotency-key'] ?? null,
        title: body.title ?? null,
        coefficient: requireCoefficient(body.coefficient),
        deadline: body.deadline ?? null,
      });
      return c.json(eventView(event), 201, replayHeaders(replayed));
    },
  );

  app.openapi(
    pageRoute(guards.user, {
      path: '/v1/events',
      tags: ['betting'],
      summary: 'Events, newest first, optionally by state',
      filters: { state: State.optional() },
      items: ['A page of events', EventView],
    }),
    async (c) => {
      const { limit, cursor, state } = c.req.valid('query');
      const rows = await listBetEvents(deps.sql, { before: decodeCursor(cursor, Positions.serial), limit: limit + 1, state });
      const now = new Date();
      return c.json(
        await pageBody(
          rows,
          limit,
          (e) => e.id,
          (e) => eventView(e, now),
        ),
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/events/{id}',
      tags: ['betting'],
      summary: 'An event',
      request: { params: z.object({ id: EventId }) },
      responses: { 200: jsonResponse('The event', EventView), ...problems(400, 401, 404) },
    }),
    async (c) => {
      const event = await betEventById(deps.sql, c.req.valid('param').id);
      if (!event) throw noSuchEvent();
      return c.json(eventView(event), 200);
    },
  );

  app.openapi(
    guardedRoute([guards.user, lineProvider], {
      method: 'patch',
      path: '/v1/events/{id}',
      tags: ['betting'],
      summary: "Set an event's result (finished_win, finished_lose, cancelled) or, while betting is open, its coefficient",
      description:
        'A result settles every bet on the event. A finished or cancelled event cannot change again (409); sending its ' +
        'current state again is harmless. A new coefficient applies to bets placed from now on. A line provider changes ' +
        'only the events it published (any other is a 404); operators change any.',
      request: {
        params: z.object({ id: EventId }),
        ...jsonBody(
          z
            .object({ state: State.optional(), coefficient: Coefficient.optional() })
            .refine((b) => b.state !== undefined || b.coefficient !== undefined, {
              message: 'give state, coefficient or both',
              path: ['state'],
            }),
        ),
      },
      responses: { 200: jsonResponse('The event', EventView), ...problems(400, 401, 403, 404, 409, 415, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const coefficient = body.coefficient === undefined ? undefined : requireCoefficient(body.coefficient);
      const user = c.get('user');
      const by = { id: user.id, ownEventsOnly: !settlesEveryEvent(user) };
      const event = await changeBetEventBy(deps, by, id, { state: body.state, coefficient });
      return c.json(eventView(event), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/events/{id}/settlement',
      tags: ['operations'],
      summary: "How far an event's settlement has got (the same as its workflow's betSettlementProgress query)",
      request: { params: z.object({ id: EventId }) },
      responses: { 200: jsonResponse('Progress', SettlementView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const id = c.req.valid('param').id;
      const event = await betEventById(deps.sql, id);
      if (!event) throw noSuchEvent();
      const { progress, source } = await settlementProgressOf(deps, event);
      const currencies = new Map((await deps.currencies.all()).map((cur) => [cur.code, cur]));
      return c.json(settlementView(progress, currencies, source), 200);
    },
  );
}

function settlementView(p: SettlementProgress, currencies: Map<string, Currency>, source: 'workflow' | 'database') {
  const tally = p.tally;
  return {
    event_id: p.eventId,
    phase: p.phase,
    outcome: p.outcome,
    pages: p.pages,
    bets: tally && { total: tally.total, pending: tally.pending, won: tally.won, lost: tally.lost, refunded: tally.refunded },
    currencies: (tally?.currencies ?? []).map((s) => {
      const currency = currencies.get(s.currency)!;
      return { currency: s.currency, staked: money(BigInt(s.staked), currency), paid_out: money(BigInt(s.paidOut), currency) };
    }),
    settling_since: p.settlingSince,
    settled_at: p.settledAt,
    source,
  };
}
