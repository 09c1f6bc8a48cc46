/** The caller's balances: posted, held by pending debits, and available to spend. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { balancesOf } from '../../services/ledger/queries.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money } from '../http/money.js';
import { jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const BalanceView = z
  .object({ currency: z.string(), posted: z.string(), pending: z.string(), available: z.string() })
  .openapi('Balance', { description: 'available = posted − pending (funds held by pending debits)' });

export function balanceRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.funds, {
      method: 'get',
      path: '/v1/balances',
      tags: ['ledger'],
      summary: 'Balances in every currency (zero where the caller has never held any)',
      responses: { 200: jsonResponse('Balances', z.object({ data: z.array(BalanceView) })), ...problems(401) },
    }),
    async (c) => {
      const [currencies, accounts] = await Promise.all([
        deps.currencies.all(),
        balancesOf(deps.sql, userAccountName(c.get('user').id)),
      ]);
      const byCurrency = new Map(accounts.map((a) => [a.currency, balanceView(a)]));
      const data = currencies.map((currency) => {
        const b = byCurrency.get(currency.code) ?? { posted: 0n, pending: 0n, available: 0n };
        return {
          currency: currency.code,
          posted: money(b.posted, currency),
          pending: money(b.pending, currency),
          available: money(b.available, currency),
        };
      });
      return c.json({ data }, 200);
    },
  );
}
