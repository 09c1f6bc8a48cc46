/** Operator settings per currency for internal transfers: limits and fee. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { saveTransferRules, transferRules } from '../../services/transfers/settings-store.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { BaseSettings, baseView, currencySettingsRoutes, readBase } from '../http/currency-settings.js';

const TransferSettings = BaseSettings.openapi('TransferSettings');

export function transferSettingsRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  currencySettingsRoutes(app, deps, guards, {
    name: 'transfers',
    schema: TransferSettings,
    load: transferRules,
    save: async (db, currency, rules, updatedBy) => {
      await saveTransferRules(db, currency, rules, updatedBy);
      deps.transferRules.changed(currency);
    },
    view: baseView,
    read: readBase,
  });
}
