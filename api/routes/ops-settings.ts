/** Operator settings for internal transfers per currency: enabled, limits and fee. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { saveTransferRules, transferRules } from '../../db/transfer-settings.js';
import type { Currency } from '../../domain/currencies.js';
import { formatPercent, parsePercent } from '../../domain/fees.js';
import type { TransferRules } from '../../domain/transfers.js';
import type { Guards } from '../auth/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireAmount, requireCurrency } from '../money.js';
import { invalidField } from '../problem.js';
import { BearerSecurity, CurrencyCode, DecimalString, jsonBody, jsonResponse, problems } from '../schemas.js';

const Settings = z
  .object({
    enabled: z.boolean(),
    min_amount: DecimalString,
    max_amount: DecimalString.nullable(),
    daily_limit: DecimalString.nullable(),
    fee_fixed: DecimalString,
    fee_percent: z.string().openapi({ example: '0.25', description: 'Percent of the amount, up to 4 decimals' }),
  })
  .openapi('TransferSettings');

const view = (rules: TransferRules, currency: Currency) => ({
  enabled: rules.enabled,
  min_amount: money(rules.minAmount, currency),
  max_amount: rules.maxAmount === null ? null : money(rules.maxAmount, currency),
  daily_limit: rules.dailyLimit === null ? null : money(rules.dailyLimit, currency),
  fee_fixed: money(rules.fee.fixed, currency),
  fee_percent: formatPercent(rules.fee.ratePpm),
});

export function settingsRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const params = z.object({ currency: CurrencyCode });

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/ops/settings/transfers/{currency}',
      tags: ['operations'],
      summary: 'Internal transfer settings for a currency',
      middleware: [guards.operator] as const,
      security: BearerSecurity,
      request: { params },
      responses: { 200: jsonResponse('Settings', Settings), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const currency = await requireCurrency(deps.currencies, c.req.valid('param').currency);
      return c.json(view(await transferRules(deps.sql, currency.code), currency), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/ops/settings/transfers/{currency}',
      tags: ['operations'],
      summary: 'Replace internal transfer settings for a currency',
      middleware: [guards.operator] as const,
      security: BearerSecurity,
      request: { params, ...jsonBody(Settings) },
      responses: { 200: jsonResponse('Saved', Settings), ...problems(400, 401, 403, 415) },
    }),
    async (c) => {
      const currency = await requireCurrency(deps.currencies, c.req.valid('param').currency);
      const body = c.req.valid('json');
      const percent = parsePercent(body.fee_percent);
      if (!percent.ok) throw invalidField('fee_percent', percent.reason);
      const rules: TransferRules = {
        enabled: body.enabled,
        minAmount: requireAmount(body.min_amount, currency, 'min_amount'),
        maxAmount: body.max_amount === null ? null : requireAmount(body.max_amount, currency, 'max_amount'),
        dailyLimit: body.daily_limit === null ? null : requireAmount(body.daily_limit, currency, 'daily_limit'),
        fee: { fixed: requireAmount(body.fee_fixed, currency, 'fee_fixed', { allowZero: true }), ratePpm: percent.ppm },
      };
      if (rules.maxAmount !== null && rules.maxAmount < rules.minAmount) throw invalidField('max_amount', 'must not be below min_amount');
      await saveTransferRules(deps.sql, currency.code, rules, c.get('user').id);
      return c.json(view(rules, currency), 200);
    },
  );
}
