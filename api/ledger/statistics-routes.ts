/** The caller's totals per currency and operation type over a period. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { userAccountName } from '../../domain/ledger/engine.js';
import { totalsOf } from '../../services/ledger/statistics.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { money } from '../http/money.js';
import { invalidField } from '../http/problem.js';
import { jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';
import { storableInstant } from '../http/instants.js';

const DAY_MS = 86_400_000;
const MAX_PERIOD_DAYS = 366;

const TotalsView = z
  .object({
    currency: z.string(),
    type: z.string().openapi({
      example: 'deposit',
      description:
        'The ledger entry type: deposit, withdrawal, internal_transfer, fast_exchange, trade, bet_settlement, bet_payout, ' +
        'invoice_payment, invoice_settlement, adjustment, the fees apart (withdrawal_fee, transfer_fee, deposit_fee), …',
    }),
    received: z.string(),
    sent: z.string(),
    count: z.number().int().openapi({
      description: "How many operations of this type moved this currency (a swap's amount and its fee are one)",
    }),
  })
  .openapi('OperationTotals');

export function statisticsRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.funds, {
      method: 'get',
      path: '/v1/statistics',
      tags: ['ledger'],
      summary: 'Totals per currency and operation type over a period (default: the last 30 days, at most a year)',
      request: {
        query: z.object({
          from: z.iso.datetime({ offset: true }).optional().openapi({ example: '2026-11-01T00:00:00Z' }),
          to: z.iso.datetime({ offset: true }).optional().openapi({ example: '2026-12-01T00:00:00Z' }),
        }),
      },
      responses: {
        200: jsonResponse('Totals', z.object({ from: z.string(), to: z.string(), data: z.array(TotalsView) })),
        ...problems(400, 401, 403),
      },
    }),
    async (c) => {
      const query = c.req.valid('query');
      const to = query.to ? storableInstant(query.to) : new Date();
      const from = query.from ? storableInstant(query.from) : new Date(to.getTime() - 30 * DAY_MS);
      if (from >= to) throw invalidField('from', 'must be before to');
      if (to.getTime() - from.getTime() > MAX_PERIOD_DAYS * DAY_MS)
        throw invalidField('from', `must be at most ${MAX_PERIOD_DAYS} days before to`);
      const [totals, currencies] = await Promise.all([
        totalsOf(deps.sql, userAccountName(c.get('user').id), { from, to }),
        deps.currencies.all(),
      ]);
      const byCode = new Map(currencies.map((cur) => [cur.code, cur]));
      const data = totals.map((t) => ({
        currency: t.currency,
        type: t.type,
        received: money(t.credited, byCode.get(t.currency)!),
        sent: money(t.debited, byCode.get(t.currency)!),
        count: t.count,
      }));
      return c.json({ from: from.toISOString(), to: to.toISOString(), data }, 200);
    },
  );
}
