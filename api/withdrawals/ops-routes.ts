/** Withdrawals for operators: the queue, approve / reject / close, provider order, and the dev mailbox. */
import { z, type OpenAPIHono, type RouteConfig } from '@hono/zod-openapi';
import { listCapturedMail } from '../../platform/mail/captured-mail.js';
import { listWithdrawals, providerRoutes } from '../../services/withdrawals/store.js';
import {
  approveWithdrawal,
  closeWithdrawal,
  existingWithdrawal,
  rejectWithdrawal,
  setProviderOrder,
} from '../../services/withdrawals/client.js';
import { ErrorCode } from '../../domain/errors.js';
import { WITHDRAWAL_STATUSES } from '../../domain/withdrawals/status.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { requireCurrency } from '../http/money.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { ApiError } from '../http/problem.js';
import { CurrencyCode, EmailAddress, jsonBody, jsonResponse, PageQuery, problems, PageOf } from '../http/schemas.js';
import { withdrawalDeps, withdrawalView, WithdrawalView } from './routes.js';
import { guardedRoute } from '../http/routes.js';

const IdParam = z.object({ id: z.uuid() });
const StatusAnswer = z.object({ status: z.enum(WITHDRAWAL_STATUSES) });

const ProviderRoutes = z.object({
  currency: CurrencyCode,
  providers: z
    .array(z.object({ id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'must be a provider id'), enabled: z.boolean() }))
    .max(20),
});

export function opsWithdrawalRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const withdrawals = withdrawalDeps(deps);
  // a close as succeeded reads the payout it cites on the withdrawal's chain
  const closing = { ...withdrawals, currencies: deps.currencies, chains: deps.chains };

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/withdrawals',
      tags: ['operations'],
      summary: 'Withdrawals of every user, by status (e.g. awaiting_approval)',
      request: { query: PageQuery.extend({ status: z.enum(WITHDRAWAL_STATUSES).optional() }) },
      responses: {
        200: jsonResponse('A page of withdrawals', PageOf(WithdrawalView.extend({ user_id: z.string() }))),
        ...problems(400, 401, 403),
      },
    }),
    async (c) => {
      const { limit, cursor, status } = c.req.valid('query');
      const rows = await listWithdrawals(deps.sql, { status, before: decodeCursor(cursor, Positions.uuid), limit: limit + 1 });
      const view = async (w: (typeof rows)[number]) => ({ ...(await withdrawalView(deps, w, false)), user_id: w.userId });
      return c.json(await pageBody(rows, limit, (w) => w.id, view), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/withdrawals/{id}',
      tags: ['operations'],
      summary: 'A withdrawal with its history',
      request: { params: IdParam },
      responses: {
        200: jsonResponse('The withdrawal', WithdrawalView.extend({ user_id: z.string() })),
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const w = await existingWithdrawal(deps.sql, c.req.valid('param').id);
      return c.json({ ...(await withdrawalView(deps, w, true)), user_id: w.userId }, 200);
    },
  );

  /** An operator's decision on one withdrawal: its answer is the status the withdrawal reached. */
  const decisionRoute = <A extends 'approve' | 'reject' | 'close', Q extends NonNullable<RouteConfig['request']>>(
    action: A,
    summary: string,
    request: Q,
    refusals: number[] = [],
  ) =>
    guardedRoute(guards.operator, {
      method: 'post',
      path: `/v1/ops/withdrawals/{id}/${action}` as `/v1/ops/withdrawals/{id}/${A}`,
      tags: ['operations'],
      summary,
      request,
      responses: { 200: jsonResponse('Decided', StatusAnswer), ...problems(400, 401, 403, 404, 409, 415, ...refusals) },
    });

  app.openapi(
    decisionRoute('approve', 'Approve a withdrawal awaiting approval (your approval again is answered as the first)', {
      params: IdParam,
    }),
    async (c) => c.json({ status: await approveWithdrawal(withdrawals, c.get('user').id, c.req.valid('param').id) }, 200),
  );

  app.openapi(
    decisionRoute('reject', 'Reject a withdrawal awaiting approval; the held funds are released', {
      params: IdParam,
      ...jsonBody(z.object({ reason: z.string().trim().min(3).max(500) })),
    }),
    async (c) =>
      c.json(
        { status: await rejectWithdrawal(withdrawals, c.get('user').id, c.req.valid('param').id, c.req.valid('json').reason) },
        200,
      ),
  );

  app.openapi(
    decisionRoute(
      'close',
      'Close a withdrawal that failed or has no final status: failed releases the hold, only once its own payout can no ' +
        'longer pay it (409 naming outcome if it still can, or did); succeeded posts it, only with a ' +
        'transaction its chain shows paying the withdrawal (tx_hash, else its own payout; 422 payout_unproven if not)',
      {
        params: IdParam,
        ...jsonBody(
          z.object({
            outcome: z.enum(['succeeded', 'failed']),
            tx_hash: z.string().trim().min(1).max(130).optional(),
            note: z.string().trim().min(3).max(1000),
          }),
        ),
      },
      [422, 503],
    ),
    async (c) => {
      const body = c.req.valid('json');
      const status = await closeWithdrawal(closing, c.req.valid('param').id, {
        operatorId: c.get('user').id,
        outcome: body.outcome,
        txHash: body.tx_hash,
        note: body.note,
      });
      return c.json({ status }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/providers',
      tags: ['operations'],
      summary: 'Withdrawal providers per currency, in priority order',
      responses: { 200: jsonResponse('Provider order', z.object({ data: z.array(ProviderRoutes) })), ...problems(401, 403) },
    }),
    async (c) => {
      const routes = await providerRoutes(deps.sql);
      const byCurrency = new Map<string, Array<{ id: string; enabled: boolean }>>();
      for (const r of routes)
        byCurrency.set(r.currency, [...(byCurrency.get(r.currency) ?? []), { id: r.providerId, enabled: r.enabled }]);
      return c.json({ data: [...byCurrency].map(([currency, providers]) => ({ currency, providers })) }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/providers',
      tags: ['operations'],
      summary: "Set a currency's provider order (first is tried first) and which are enabled",
      request: jsonBody(ProviderRoutes),
      responses: { 200: jsonResponse('Saved', ProviderRoutes), ...problems(400, 401, 403, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const currency = await requireCurrency(deps.currencies, body.currency);
      await setProviderOrder(withdrawals, c.get('user').id, currency.code, body.providers);
      return c.json(body, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/mail',
      tags: ['operations'],
      summary: "Mail captured by the dev stack's SMTP sink (dev mode only)",
      request: { query: PageQuery.extend({ to: EmailAddress.optional() }) },
      responses: {
        200: jsonResponse(
          'Captured mail, newest first',
          PageOf(
            z.object({
              id: z.string(),
              from: z.string(),
              to: z.array(z.string()),
              subject: z.string(),
              text: z.string(),
              received_at: z.string(),
            }),
          ),
        ),
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      if (!deps.settings.devMode) throw new ApiError(ErrorCode.NotFound, 'captured mail exists only in dev mode');
      const { limit, cursor, to } = c.req.valid('query');
      const rows = await listCapturedMail(deps.sql, { to, before: decodeCursor(cursor, Positions.serial), limit: limit + 1 });
      const view = (m: (typeof rows)[number]) => ({
        id: m.id,
        from: m.from,
        to: m.to,
        subject: m.subject,
        text: m.text,
        received_at: m.receivedAt.toISOString(),
      });
      return c.json(await pageBody(rows, limit, (m) => m.id, view), 200);
    },
  );
}
