/** A user's deposit auto-conversions: deposits in one currency swapped to another as they are credited. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { autoConversionsOf, removeAutoConversion, setAutoConversion } from '../../services/deposits/conversions.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { requireCurrency } from '../http/money.js';
import { CurrencyCode, jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';
import { found } from '../http/problem.js';

const AutoConversionView = z.object({ currency: z.string(), to_currency: z.string() }).openapi('DepositAutoConversion', {
  description:
    'Deposits in `currency` are swapped to `to_currency` as they are credited, at the current rate with the fast ' +
    "exchange's fee and limits. When the swap cannot be made (no fresh rate, pair disabled, inventory short, a limit) " +
    'the deposit stays credited in its own currency and the reason is shown in its order details.',
});

const CurrencyParam = z.object({ currency: CurrencyCode });

export function depositAutoConversionRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/deposits/auto-conversions',
      tags: ['deposits'],
      summary: "The caller's deposit auto-conversions",
      responses: {
        200: jsonResponse('Every auto-conversion', z.object({ data: z.array(AutoConversionView) })),
        ...problems(401),
      },
    }),
    async (c) => {
      const rows = await autoConversionsOf(deps.sql, c.get('user').id);
      return c.json({ data: rows.map((r) => ({ currency: r.currency, to_currency: r.toCurrency })) }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'put',
      path: '/v1/deposits/auto-conversions/{currency}',
      tags: ['deposits'],
      summary: 'Convert deposits in this currency to another as they are credited',
      request: { params: CurrencyParam, ...jsonBody(z.object({ to_currency: CurrencyCode })) },
      responses: { 200: jsonResponse('Set', AutoConversionView), ...problems(400, 401, 415, 422) },
    }),
    async (c) => {
      const { currency: code } = c.req.valid('param');
      const { to_currency: toCode } = c.req.valid('json');
      const [from, to] = [
        await requireCurrency(deps.currencies, code, 'currency'),
        await requireCurrency(deps.currencies, toCode, 'to_currency'),
      ];
      // a currency converted to itself has no pair either
      if (from.code === to.code || !(await deps.rates.pairBetween(from.code, to.code)))
        throw new DomainError(ErrorCode.UnknownPair, `no pair exchanges ${from.code} and ${to.code}`, [
          { path: 'to_currency', message: `no pair with ${from.code}` },
        ]);
      await setAutoConversion(deps.sql, c.get('user').id, from.code, to.code);
      return c.json({ currency: from.code, to_currency: to.code }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'delete',
      path: '/v1/deposits/auto-conversions/{currency}',
      tags: ['deposits'],
      summary: 'Stop converting deposits in this currency',
      request: { params: CurrencyParam },
      responses: { 204: { description: 'Removed' }, ...problems(400, 401, 404) },
    }),
    async (c) => {
      found(
        await removeAutoConversion(deps.sql, c.get('user').id, c.req.valid('param').currency),
        'no auto-conversion for this currency',
      );
      return c.body(null, 204);
    },
  );
}
