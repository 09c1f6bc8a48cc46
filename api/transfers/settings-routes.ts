/** Operator settings per currency for internal transfers: limits and fee. */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { TRANSFER_SETTINGS } from '../../domain/transfers/rules.js';
import { resolveSettings, saveDefaultSettings } from '../../services/settings/client.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { BaseSettings, baseView, currencySettingsRoutes, readBase } from '../http/currency-settings.js';

const TransferSettings = BaseSettings.openapi('TransferSettings');

export function transferSettingsRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  currencySettingsRoutes(app, deps, guards, {
    name: 'transfers',
    schema: TransferSettings,
    load: (db, currency) => resolveSettings(db, TRANSFER_SETTINGS, currency, null),
    save: async (db, currency, rules, updatedBy) => {
      await saveDefaultSettings(db, TRANSFER_SETTINGS, currency, rules, updatedBy);
      deps.operationSettings.changed(TRANSFER_SETTINGS.operation, currency);
    },
    view: baseView,
    read: readBase,
  });
}
