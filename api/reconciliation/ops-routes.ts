/** Reconciliation for operators: run one now and read its result; set what custody wallets are expected to hold. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorCode } from '../../domain/errors.js';
import type { DriftLine } from '../../domain/reconciliation/drift.js';
import {
  custodyMinimums,
  deleteCustodyMinimum,
  listReconciliations,
  reconciliationById,
  reconciliationRunning,
  saveCustodyMinimum,
  startReconciliation,
  type ReconciliationRecord,
} from '../../services/reconciliation/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { ApiError, found } from '../http/problem.js';
import { CurrencyCode, DecimalString, jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const IdParam = z.object({ id: z.uuid() });

/** EVM addresses are kept lowercase, as custody wallets are registered. */
const minimumTarget = (target: string) => (target.startsWith('0x') ? target.toLowerCase() : target);

const Line = z.object({
  account: z.string(),
  currency: z.string(),
  ledger: z.string(),
  chain: z.string(),
  drift: z.string().openapi({ description: 'chain − ledger' }),
  in_flight: z.string().openapi({ description: 'Our transactions mined but not booked yet (sweeps, payouts, gas)' }),
  awaiting_confirmations: z.string().openapi({ description: 'Deposits seen on chain, not credited yet' }),
  held: z.string().openapi({
    description: 'Deposits on chain kept uncredited by the deposit settings (below the minimum, deposits off, above the maximum)',
  }),
  unswept: z.string().openapi({ description: 'Held in deposit wallets: custody, so part of chain, not drift' }),
  unexplained: z.string(),
  alert: z.boolean(),
});
const Below = z.object({ target: z.string(), currency: z.string(), minimum: z.string(), balance: z.string() });
const ReconciliationView = z
  .object({
    id: z.string(),
    state: z.literal('done'),
    workflow_id: z.string(),
    trigger: z.enum(['schedule', 'manual']),
    ok: z.boolean(),
    started_at: z.string(),
    finished_at: z.string(),
    booked: z.object({ network_fees: z.number().int(), top_ups: z.number().int() }),
    accounts: z.array(Line),
    below_minimum: z.array(Below),
  })
  .openapi('Reconciliation', { description: "Amounts in each currency's units" });
const Running = z.object({ id: z.string(), state: z.literal('running') });
const RunSummary = z
  .object({
    id: z.string(),
    workflow_id: z.string(),
    trigger: z.enum(['schedule', 'manual']),
    ok: z.boolean(),
    started_at: z.string(),
    finished_at: z.string(),
    booked: z.object({ network_fees: z.number().int(), top_ups: z.number().int() }),
    accounts: z.number().int().openapi({ description: 'Custody accounts and currencies compared' }),
    alerts: z.number().int().openapi({ description: 'Of those, how many drift unexplained above the threshold' }),
    below_minimum: z.number().int(),
    drift: z
      .array(Line.pick({ account: true, currency: true, drift: true, unexplained: true, alert: true }))
      .openapi({ description: 'The accounts whose chain and ledger differ' }),
  })
  .openapi('ReconciliationRun', { description: "One past run and its drift; amounts in each currency's units" });

const Minimum = z
  .object({
    target: z
      .string()
      .max(100)
      .regex(
        /^(custody:[a-z0-9:-]+|0x[0-9a-fA-F]{40}|r[1-9A-HJ-NP-Za-km-z]{24,34})$/,
        'must be a custody account or a wallet address',
      )
      .openapi({ example: 'custody:gas-keeper:evm-1' }),
    currency: CurrencyCode,
    minimum: DecimalString,
  })
  .openapi('CustodyMinimum');

export function reconciliationRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const scaleOf = async (code: string) => (await deps.currencies.get(code))?.scale ?? 0;
  const amount = async (currency: string, minor: string) => money(BigInt(minor), { scale: await scaleOf(currency) });
  const lineView = async (l: DriftLine) => ({
    account: l.account,
    currency: l.currency,
    ledger: await amount(l.currency, l.ledger),
    chain: await amount(l.currency, l.chain),
    drift: await amount(l.currency, l.drift),
    in_flight: await amount(l.currency, l.inFlight),
    awaiting_confirmations: await amount(l.currency, l.awaitingConfirmations),
    held: await amount(l.currency, l.held),
    unswept: await amount(l.currency, l.unswept),
    unexplained: await amount(l.currency, l.unexplained),
    alert: l.alert,
  });
  /** What a run's summary and its full result both begin with. */
  const runHeader = (r: ReconciliationRecord) => ({
    id: r.id,
    workflow_id: r.workflowId,
    trigger: r.trigger,
    ok: r.ok,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    booked: { network_fees: r.booked.networkFees, top_ups: r.booked.topUps },
  });
  const view = async (r: ReconciliationRecord) => ({
    ...runHeader(r),
    state: 'done' as const,
    accounts: await Promise.all(r.lines.map(lineView)),
    below_minimum: await Promise.all(
      r.belowMinimum.map(async (b) => ({
        ...b,
        minimum: await amount(b.currency, b.minimum),
        balance: await amount(b.currency, b.balance),
      })),
    ),
  });

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/reconciliations',
      tags: ['operations'],
      summary: 'Reconcile custody with the chains now: books chain events, then compares; GET the id for the result',
      responses: {
        202: jsonResponse('Started', Running.extend({ workflow_id: z.string() })),
        ...problems(401, 403, 503),
      },
    }),
    async (c) => {
      const started = await startReconciliation(deps.temporal, c.get('user').id);
      return c.json({ id: started.id, workflow_id: started.workflowId, state: 'running' as const }, 202);
    },
  );

  app.openapi(
    pageRoute(guards.operator, {
      path: '/v1/ops/reconciliations',
      tags: ['operations'],
      summary: 'Reconciliation runs, newest first, each with its drift',
      items: ['A page of runs', RunSummary],
      forbidden: true,
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      const rows = await listReconciliations(deps.sql, { before: decodeCursor(cursor, Positions.uuid), limit: limit + 1 });
      const summary = async (r: ReconciliationRecord) => ({
        ...runHeader(r),
        accounts: r.lines.length,
        alerts: r.lines.filter((l) => l.alert).length,
        below_minimum: r.belowMinimum.length,
        drift: await Promise.all(
          r.lines
            .filter((l) => l.drift !== '0')
            .map(async (l) => ({
              account: l.account,
              currency: l.currency,
              drift: await amount(l.currency, l.drift),
              unexplained: await amount(l.currency, l.unexplained),
              alert: l.alert,
            })),
        ),
      });
      return c.json(await pageBody(rows, limit, (r) => r.id, summary), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/reconciliations/{id}',
      tags: ['operations'],
      summary: "A reconciliation's result: per custody account and currency, the drift and what explains it",
      request: { params: IdParam },
      responses: {
        200: jsonResponse('Result or still running', z.union([ReconciliationView, Running])),
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const record = await reconciliationById(deps.sql, id);
      if (record) return c.json(await view(record), 200);
      if (await reconciliationRunning(deps.temporal, id)) return c.json({ id, state: 'running' as const }, 200);
      throw new ApiError(ErrorCode.NotFound, 'no such reconciliation');
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/custody-minimums',
      tags: ['operations'],
      summary: 'Set what a custody account or wallet (a provider’s hot wallet) must hold at least; below it alerts',
      request: jsonBody(Minimum),
      responses: { 200: jsonResponse('Saved', Minimum), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const currency = await requireCurrency(deps.currencies, body.currency);
      const minimum = requireAmount(body.minimum, currency, 'minimum', { allowZero: true });
      const target = minimumTarget(body.target);
      await saveCustodyMinimum(deps.sql, { target, currency, minimum, updatedBy: c.get('user').id });
      return c.json({ target, currency: currency.code, minimum: money(minimum, currency) }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'delete',
      path: '/v1/ops/custody-minimums/{target}/{currency}',
      tags: ['operations'],
      summary: 'Stop expecting a minimum of a custody account or wallet',
      request: { params: Minimum.pick({ target: true, currency: true }) },
      responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { target, currency } = c.req.valid('param');
      found(await deleteCustodyMinimum(deps.sql, minimumTarget(target), currency), 'no such minimum');
      return c.body(null, 204);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/custody-minimums',
      tags: ['operations'],
      summary: 'Expected minimum holdings per custody account or wallet',
      responses: { 200: jsonResponse('Minimums', z.object({ data: z.array(Minimum) })), ...problems(401, 403) },
    }),
    async (c) => {
      const rows = await custodyMinimums(deps.sql);
      const data = await Promise.all(rows.map(async (m) => ({ ...m, minimum: await amount(m.currency, m.minimum.toString()) })));
      return c.json({ data }, 200);
    },
  );
}
