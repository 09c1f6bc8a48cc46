/** Operator settings per currency for withdrawals: limits (daily and monthly), fee, approval threshold, confirmations. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { WITHDRAWAL_SETTINGS } from '../../domain/withdrawals/rules.js';
import { resolveSettings, saveDefaultSettings } from '../../services/settings/client.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import {
  BaseSettings,
  baseView,
  currencySettingsRoutes,
  optionalAmount,
  optionalMoney,
  readBase,
} from '../http/currency-settings.js';
import { DecimalString } from '../http/schemas.js';

const WithdrawalSettings = BaseSettings.extend({
  monthly_limit: DecimalString.nullable(),
  approval_threshold: DecimalString.nullable().openapi({ description: 'At or above this amount an operator must approve' }),
  confirmations: z.number().int().min(0).max(1000),
}).openapi('WithdrawalSettings');

export function withdrawalSettingsRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  currencySettingsRoutes(app, deps, guards, {
    name: 'withdrawals',
    schema: WithdrawalSettings,
    load: (db, currency) => resolveSettings(db, WITHDRAWAL_SETTINGS, currency, null),
    save: async (db, currency, settings, updatedBy) => {
      await saveDefaultSettings(db, WITHDRAWAL_SETTINGS, currency, settings, updatedBy);
      deps.operationSettings.changed(WITHDRAWAL_SETTINGS.operation, currency);
    },
    view: (s, currency) => ({
      ...baseView(s, currency),
      monthly_limit: optionalMoney(s.monthlyLimit, currency),
      approval_threshold: optionalMoney(s.approvalThreshold, currency),
      confirmations: s.confirmations,
    }),
    read: (body, currency) => ({
      ...readBase(body, currency),
      monthlyLimit: optionalAmount(body.monthly_limit, currency, 'monthly_limit'),
      approvalThreshold: optionalAmount(body.approval_threshold, currency, 'approval_threshold'),
      confirmations: body.confirmations,
    }),
  });
}
