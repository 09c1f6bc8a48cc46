/**
 * Operators' fast-exchange controls: a pair's default settings (per-user, group and level overrides go through
 * /v1/ops/settings/fast-exchange/{pair}/…), and the exchange's inventory per currency, which they watch and fund.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorCode } from '../../domain/errors.js';
import { formatPercent, parsePercent } from '../../domain/fees.js';
import { FAST_EXCHANGE_SETTINGS, type FastExchangeSettings } from '../../domain/fast-exchange/settings.js';
import type { Currency } from '../../domain/currencies.js';
import { fundInventory, inventory } from '../../services/fast-exchange/inventory.js';
import { resolveSettings, saveDefaultSettings } from '../../services/settings/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { money, requireAmount, requireCurrency } from '../http/money.js';
import { ApiError, invalidField } from '../http/problem.js';
import {
  CurrencyCode,
  DecimalString,
  IdempotencyHeaders,
  jsonBody,
  jsonResponse,
  PairCode,
  problems,
  SignedDecimalString,
} from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const PairSettings = z
  .object({
    enabled: z.boolean(),
    fee_percent: z.string().openapi({ example: '0.2', description: 'Of amount_in, up to 4 decimals' }),
    quote_ttl_seconds: z.number().int().min(1).max(3_600),
    min_amount: DecimalString.openapi({ description: "Per swap, in the pair's base currency" }),
    max_amount: DecimalString.nullable(),
    daily_limit: DecimalString.nullable().openapi({ description: "Per user and UTC day, in the pair's base currency" }),
  })
  .openapi('FastExchangePairSettings');

const InventoryView = z
  .object({ data: z.array(z.object({ currency: z.string(), balance: z.string() })) })
  .openapi('ExchangeInventory');

function settingsView(s: FastExchangeSettings, base: Currency): z.infer<typeof PairSettings> {
  const optional = (v: bigint | null) => (v === null ? null : money(v, base));
  return {
    enabled: s.enabled,
    fee_percent: formatPercent(s.feePpm),
    quote_ttl_seconds: s.quoteTtlSeconds,
    min_amount: money(s.minAmount, base),
    max_amount: optional(s.maxAmount),
    daily_limit: optional(s.dailyLimit),
  };
}

export function opsFastExchangeRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const params = z.object({ pair: PairCode });
  const inventoryView = async () => {
    const rows = await inventory(deps.sql);
    const data = await Promise.all(
      rows.map(async (r) => ({ currency: r.currency, balance: money(r.balance, (await deps.currencies.get(r.currency))!) })),
    );
    return { data };
  };
  const pairOf = async (code: string) => {
    const [base, quote] = code.split('-') as [string, string];
    const pair = await deps.rates.pairBetween(base, quote);
    if (!pair || pair.code !== code)
      throw new ApiError(ErrorCode.UnknownPair, `unknown pair ${code}`, [{ path: 'pair', message: 'unknown pair' }]);
    return { pair, base: await requireCurrency(deps.currencies, pair.base, 'pair') };
  };

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/pairs/{pair}/fast-exchange',
      tags: ['operations'],
      summary: "A pair's default fast-exchange settings",
      request: { params },
      responses: { 200: jsonResponse('Settings', PairSettings), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const { pair, base } = await pairOf(c.req.valid('param').pair);
      return c.json(settingsView(await resolveSettings(deps.sql, FAST_EXCHANGE_SETTINGS, pair.code, null), base), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/pairs/{pair}/fast-exchange',
      tags: ['operations'],
      summary: "Replace a pair's default fast-exchange settings (on/off, fee, quote TTL, limits)",
      request: { params, ...jsonBody(PairSettings) },
      responses: { 200: jsonResponse('Saved', PairSettings), ...problems(400, 401, 403, 415) },
    }),
    async (c) => {
      const { pair, base } = await pairOf(c.req.valid('param').pair);
      const body = c.req.valid('json');
      const fee = parsePercent(body.fee_percent);
      if (!fee.ok) throw invalidField('fee_percent', fee.reason);
      if (fee.ppm > 500_000n) throw invalidField('fee_percent', 'must not exceed 50');
      const optional = (text: string | null, field: string) => (text === null ? null : requireAmount(text, base, field));
      const settings: FastExchangeSettings = {
        enabled: body.enabled,
        feePpm: fee.ppm,
        quoteTtlSeconds: body.quote_ttl_seconds,
        minAmount: requireAmount(body.min_amount, base, 'min_amount'),
        maxAmount: optional(body.max_amount, 'max_amount'),
        dailyLimit: optional(body.daily_limit, 'daily_limit'),
      };
      if (settings.maxAmount !== null && settings.maxAmount < settings.minAmount) {
        throw invalidField('max_amount', 'must not be below min_amount');
      }
      await saveDefaultSettings(deps.sql, FAST_EXCHANGE_SETTINGS, pair.code, settings, c.get('user').id);
      deps.operationSettings.changed(FAST_EXCHANGE_SETTINGS.operation, pair.code);
      return c.json(settingsView(settings, base), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/exchange/inventory',
      tags: ['operations'],
      summary: "The fast exchange's inventory per currency: what it can pay out in swaps",
      responses: { 200: jsonResponse('Inventory', InventoryView), ...problems(401, 403) },
    }),
    async (c) => {
      return c.json(await inventoryView(), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/exchange/inventory',
      tags: ['operations'],
      summary: 'Fund the inventory from the exchange equity (a negative amount takes it back; never below zero)',
      request: {
        headers: IdempotencyHeaders,
        ...jsonBody(z.object({ currency: CurrencyCode, amount: SignedDecimalString }).openapi('InventoryFunding')),
      },
      responses: { 201: jsonResponse('The inventory', InventoryView), ...problems(400, 401, 403, 409, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const currency = await requireCurrency(deps.currencies, body.currency);
      await fundInventory(deps.ledger, {
        operatorId: c.get('user').id,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
        currency: currency.code,
        amount: requireAmount(body.amount, currency, 'amount', { signed: true }),
      });
      return c.json(await inventoryView(), 201);
    },
  );
}
