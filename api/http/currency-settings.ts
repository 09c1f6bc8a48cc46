/**
 * Operator settings kept per currency (transfer rules, withdrawal rules): one GET and one PUT each, with amounts as
 * decimal strings in the currency's scale and fees as fixed + percent. Each kind says how to load, save, show and read.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../platform/db/client.js';
import type { Currency } from '../../domain/currencies.js';
import { formatPercent, parsePercent } from '../../domain/fees.js';
import type { AmountRules } from '../../domain/settings/amount-rules.js';
import type { Guards } from './guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { money, requireAmount, requireCurrency } from './money.js';
import { invalidField } from './problem.js';
import { CurrencyCode, DecimalString, jsonBody, jsonResponse, problems } from './schemas.js';
import { guardedRoute } from './routes.js';

/** The fields every kind of settings shares. */
export const BaseSettings = z.object({
  enabled: z.boolean(),
  min_amount: DecimalString,
  max_amount: DecimalString.nullable(),
  daily_limit: DecimalString.nullable(),
  fee_fixed: DecimalString,
  fee_percent: z.string().openapi({ example: '0.25', description: 'Percent of the amount, up to 4 decimals' }),
});

export const optionalMoney = (value: bigint | null, currency: Currency) => (value === null ? null : money(value, currency));

export function optionalAmount(text: string | null, currency: Currency, field: string): bigint | null {
  return text === null ? null : requireAmount(text, currency, field);
}

export function baseView(rules: AmountRules, currency: Currency): z.infer<typeof BaseSettings> {
  return {
    enabled: rules.enabled,
    min_amount: money(rules.minAmount, currency),
    max_amount: optionalMoney(rules.maxAmount, currency),
    daily_limit: optionalMoney(rules.dailyLimit, currency),
    fee_fixed: money(rules.fee.fixed, currency),
    fee_percent: formatPercent(rules.fee.ratePpm),
  };
}

export function readBase(body: z.infer<typeof BaseSettings>, currency: Currency): AmountRules {
  const percent = parsePercent(body.fee_percent);
  if (!percent.ok) throw invalidField('fee_percent', percent.reason);
  const rules: AmountRules = {
    enabled: body.enabled,
    minAmount: requireAmount(body.min_amount, currency, 'min_amount'),
    maxAmount: optionalAmount(body.max_amount, currency, 'max_amount'),
    dailyLimit: optionalAmount(body.daily_limit, currency, 'daily_limit'),
    fee: { fixed: requireAmount(body.fee_fixed, currency, 'fee_fixed', { allowZero: true }), ratePpm: percent.ppm },
  };
  if (rules.maxAmount !== null && rules.maxAmount < rules.minAmount)
    throw invalidField('max_amount', 'must not be below min_amount');
  return rules;
}

export interface SettingsKind<S, B extends z.ZodObject> {
  /** The path segment and the words in the docs: `transfers` → /v1/ops/settings/transfers/{currency}. */
  name: 'transfers' | 'withdrawals';
  schema: B;
  load(db: Db, currency: string): Promise<S>;
  save(db: Db, currency: string, settings: S, updatedBy: string): Promise<void>;
  view(settings: S, currency: Currency): z.infer<B>;
  read(body: z.infer<B>, currency: Currency): S;
}

export function currencySettingsRoutes<S, B extends z.ZodObject>(
  app: OpenAPIHono<AppEnv>,
  deps: ApiDeps,
  guards: Guards,
  kind: SettingsKind<S, B>,
) {
  const params = z.object({ currency: CurrencyCode });
  const path = `/v1/ops/settings/${kind.name}/{currency}` as const;
  const words = kind.name === 'transfers' ? 'Internal transfer' : 'Withdrawal';

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path,
      tags: ['operations'],
      summary: `${words} settings for a currency`,
      request: { params },
      responses: { 200: jsonResponse('Settings', kind.schema), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const currency = await requireCurrency(deps.currencies, c.req.valid('param').currency);
      return c.json(kind.view(await kind.load(deps.sql, currency.code), currency) as never, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path,
      tags: ['operations'],
      summary: `Replace ${words.toLowerCase()} settings for a currency`,
      request: { params, ...jsonBody(kind.schema) },
      responses: { 200: jsonResponse('Saved', kind.schema), ...problems(400, 401, 403, 415) },
    }),
    async (c) => {
      // validated by the route's schemas; the generic body type is beyond hono's inference
      const valid = c.req.valid.bind(c.req) as (target: 'param' | 'json') => unknown;
      const currency = await requireCurrency(deps.currencies, (valid('param') as { currency: string }).currency);
      const settings = kind.read(valid('json') as z.infer<B>, currency);
      await kind.save(deps.sql, currency.code, settings, c.get('user').id);
      deps.log.info({ operator: c.get('user').id, currency: currency.code, kind: kind.name }, 'settings changed');
      return c.json(kind.view(settings, currency) as never, 200);
    },
  );
}
