/** Operators' view of the exchange: a market's live book and state hash, and the exchange audit. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { haltMarket, marketWorkflowState, resumeMarket } from '../../services/exchange/client.js';
import { guardedRoute } from '../http/routes.js';
import { levelRows } from '../../services/exchange/market-feed.js';
import type { MarketCheckpoint, MarketWorkflowState } from '../../workflows/exchange/market/messages.js';

const Params = z.object({ pair: z.string().regex(/^[A-Z][A-Z0-9]{1,9}-[A-Z][A-Z0-9]{1,9}$/) });
// an array of two rather than a tuple: the generator writes tuples as OpenAPI 3.0's `items: [...]`, invalid in 3.1
const Level = z.array(z.string()).length(2).openapi({ description: '[price, amount]' });
const BookView = z.object({
  pair: z.string(),
  seq: z.number(),
  state_hash: z.string(),
  bids: z.array(Level),
  asks: z.array(Level),
});
const AuditView = z.object({
  pair: z.string(),
  ok: z.boolean(),
  engine: z.object({ seq: z.number(), state_hash: z.string() }),
  journal: z.object({ seq: z.number(), state_hash: z.string() }),
  held: z.array(z.object({ currency: z.string(), orders_held: z.string(), escrow_pending: z.string() })),
});

const Checkpoint = z.object({ seq: z.number().int(), state_hash: z.string() });
const MarketWorkflowView = z
  .object({
    pair: z.string(),
    halted: z.object({ reason: z.string(), by: z.string() }).nullable(),
    last_checkpoint: Checkpoint.nullable(),
    last_audit: z
      .object({
        ok: z.boolean(),
        engine: Checkpoint.nullable().openapi({ description: 'The last snapshot the live engine wrote' }),
        journal: Checkpoint.nullable().openapi({ description: "The journal's state at that sequence number" }),
        held_mismatches: z
          .array(z.string())
          .openapi({ description: "Currencies whose open orders' holds differ from the escrow" }),
      })
      .nullable(),
  })
  .openapi('MarketWorkflowState');

/** The workflow's state as the API names things (snake_case, a hash as `state_hash` as the book's). */
const checkpointView = (c: MarketCheckpoint | null) => c && { seq: c.seq, state_hash: c.hash };
const marketWorkflowView = (s: MarketWorkflowState) => ({
  pair: s.pair,
  halted: s.halted,
  last_checkpoint: checkpointView(s.lastCheckpoint),
  last_audit: s.lastAudit && {
    ok: s.lastAudit.ok,
    engine: checkpointView(s.lastAudit.engine),
    journal: checkpointView(s.lastAudit.journal),
    held_mismatches: s.lastAudit.heldMismatches,
  },
});

export function opsExchangeRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const route = (method: 'get' | 'post', path: string, summary: string, body?: z.ZodType) =>
    guardedRoute(guards.operator, {
      method,
      path,
      tags: ['operations'],
      summary,
      request: { params: Params, ...(body ? jsonBody(body) : {}) },
      responses: { 200: jsonResponse("The market workflow's state", MarketWorkflowView), ...problems(400, 401, 403, 404, 409) },
    });
  const pairOf = async (text: string) => (await deps.exchange.pair(text)).code;

  app.openapi(
    route('get', '/v1/ops/markets/{pair}/workflow', 'The market workflow: halted or not, last checkpoint and audit'),
    async (c) =>
      c.json(marketWorkflowView(await marketWorkflowState(deps.temporal, await pairOf(c.req.valid('param').pair))), 200),
  );
  app.openapi(
    route(
      'post',
      '/v1/ops/markets/{pair}/halt',
      'Halt a market: no new orders (cancels still go through)',
      z.object({ reason: z.string().min(1).max(500) }),
    ),
    async (c) => {
      const { reason } = (await c.req.json()) as { reason: string };
      const state = await haltMarket(deps.temporal, await pairOf(c.req.valid('param').pair), reason, c.get('user').id);
      return c.json(marketWorkflowView(state), 200);
    },
  );
  app.openapi(route('post', '/v1/ops/markets/{pair}/resume', 'Resume a halted market'), async (c) =>
    c.json(marketWorkflowView(await resumeMarket(deps.temporal, await pairOf(c.req.valid('param').pair), c.get('user').id)), 200),
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/markets/{pair}',
      tags: ['operations'],
      summary: "A market's live book (best 20 levels a side), journal sequence number and state hash",
      request: { params: Params },
      responses: { 200: jsonResponse('The market', BookView), ...problems(400, 401, 403, 503) },
    }),
    async (c) => {
      const book = deps.exchange.book((await deps.exchange.pair(c.req.valid('param').pair)).code);
      return c.json(
        {
          pair: book.pair.code,
          seq: book.seq,
          state_hash: book.hash,
          bids: levelRows(book.pair, book.bids),
          asks: levelRows(book.pair, book.asks),
        },
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/markets/{pair}/audit',
      tags: ['operations'],
      summary: "Audit a market: engine state hash against the journal's, open orders' holds against the escrow",
      request: { params: Params },
      responses: { 200: jsonResponse('The audit', AuditView), ...problems(400, 401, 403, 503) },
    }),
    async (c) => {
      const pair = (await deps.exchange.pair(c.req.valid('param').pair)).code;
      const audit = await deps.exchange.audit(pair);
      return c.json(
        {
          pair,
          ok: audit.ok,
          engine: { seq: audit.engine.seq, state_hash: audit.engine.hash },
          journal: { seq: audit.journal.seq, state_hash: audit.journal.hash },
          held: audit.held.map((h) => ({
            currency: h.currency,
            orders_held: h.ordersHeld.toString(),
            escrow_pending: h.escrowPending.toString(),
          })),
        },
        200,
      );
    },
  );
}
