/**
 * Operators' overrides of any operation's settings for a verification level, a group or a user, and the effective
 * settings a user gets. The per-currency defaults are set by each feature's own settings route
 * (/v1/ops/settings/transfers/{currency}, …/withdrawals/{currency}).
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { OperationSettings } from '../../domain/settings/fields.js';
import { SETTING_SCOPES } from '../../domain/settings/resolve.js';
import { OPERATIONS } from '../../services/settings/operations.js';
import { removeOverride, saveDefaultLayer, saveOverride } from '../../services/settings/service.js';
import { subjectLayers } from '../../services/settings/store.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { readValues, subjectCurrency, SettingValuesView, showValues, underValues } from '../http/setting-values.js';
import { guardedRoute } from '../http/routes.js';

const Operation = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be an operation name such as "withdrawals"')
  .openapi({ example: 'withdrawals' });
const Subject = z
  .string()
  .regex(/^[A-Z][A-Z0-9]{1,9}(-[A-Z][A-Z0-9]{1,9})?$/, 'must be a currency code or a pair such as "BTC-USDT"')
  .openapi({ example: 'USDT' });
export const SubjectParams = z.object({ operation: Operation, subject: Subject });
const OverrideParams = SubjectParams.extend({
  scope: z.enum(['level', 'group', 'user']),
  scope_id: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a level (0-99), a group id or a user id')
    .openapi({ example: 'vip' }),
});

const LayerView = z
  .object({
    scope: z.enum(SETTING_SCOPES),
    scope_id: z.string(),
    values: SettingValuesView,
    updated_at: z.string(),
    updated_by: z.string().nullable(),
  })
  .openapi('SettingsLayer');

const LayersView = z
  .object({
    operation: z.string(),
    subject: z.string(),
    fields: z.record(z.string(), z.enum(['flag', 'amount', 'limit', 'percent', 'count'])),
    layers: z.array(LayerView),
  })
  .openapi('SettingsLayers');

export function operationNamed(name: string): OperationSettings<unknown> {
  const settings = OPERATIONS[name];
  if (!settings) {
    throw new DomainError(ErrorCode.NotFound, `no operation ${name} has settings`, [{ path: 'operation', message: 'unknown' }]);
  }
  return settings;
}

export function settingsOpsRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/settings/{operation}/{subject}/layers',
      tags: ['operations'],
      summary: "An operation's settings layers for a currency or pair: default, per level, per group, per user",
      request: { params: SubjectParams },
      responses: { 200: jsonResponse('The layers', LayersView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { operation, subject } = c.req.valid('param');
      const settings = operationNamed(operation);
      const currency = await subjectCurrency(deps, settings, subject);
      const layers = await subjectLayers(deps.sql, operation, subject);
      return c.json(
        {
          operation,
          subject,
          fields: settings.fields,
          layers: layers.map((l) => ({
            scope: l.scope,
            scope_id: l.scopeId,
            values: showValues(settings.fields, l.values, currency),
            updated_at: l.updatedAt.toISOString(),
            updated_by: l.updatedBy,
          })),
        },
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/settings/{operation}/{subject}/effective',
      tags: ['operations'],
      summary: 'The effective settings of a user (their override, their group, their level, the default), or the default',
      request: { params: SubjectParams, query: z.object({ user_id: z.uuid().optional() }) },
      responses: {
        200: jsonResponse('Effective values', z.object({ values: SettingValuesView })),
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { operation, subject } = c.req.valid('param');
      const userId = c.req.valid('query').user_id;
      const settings = operationNamed(operation);
      const currency = await subjectCurrency(deps, settings, subject);
      const holder = userId ? await deps.users.principal(userId) : null;
      if (userId && !holder) throw new DomainError(ErrorCode.NotFound, 'no such user', [{ path: 'user_id', message: 'unknown' }]);
      const values = await deps.operationSettings.values(settings, subject, holder);
      return c.json({ values: showValues(settings.fields, values, currency) }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/settings/{operation}/{subject}/{scope}/{scope_id}',
      tags: ['operations'],
      summary: 'Set the override of a level, group or user: the fields given replace the less specific layers’ values',
      request: { params: OverrideParams, ...jsonBody(z.object({ values: SettingValuesView })) },
      responses: { 200: jsonResponse('Saved', z.object({ values: SettingValuesView })), ...problems(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const { operation, subject, scope, scope_id: scopeId } = c.req.valid('param');
      const settings = operationNamed(operation);
      const currency = await subjectCurrency(deps, settings, subject);
      const values = await underValues(async () => {
        const read = readValues(settings.fields, c.req.valid('json').values, currency);
        await saveOverride(deps.sql, { settings, subject, scope, scopeId }, read, c.get('user').id);
        return read;
      });
      deps.operationSettings.changed(operation, subject);
      deps.log.info({ operator: c.get('user').id, operation, subject, scope, scopeId }, 'settings override saved');
      return c.json({ values: showValues(settings.fields, values, currency) }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/settings/{operation}/{subject}/default',
      tags: ['operations'],
      summary: "Set the subject's default layer: the fields given, the rest from the operation's built-in defaults",
      request: { params: SubjectParams, ...jsonBody(z.object({ values: SettingValuesView })) },
      responses: { 200: jsonResponse('Saved', z.object({ values: SettingValuesView })), ...problems(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const { operation, subject } = c.req.valid('param');
      const settings = operationNamed(operation);
      const currency = await subjectCurrency(deps, settings, subject);
      const values = await underValues(async () => {
        const read = readValues(settings.fields, c.req.valid('json').values, currency);
        await saveDefaultLayer(deps, c.get('user').id, settings, subject, read);
        return read;
      });
      return c.json({ values: showValues(settings.fields, values, currency) }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'delete',
      path: '/v1/ops/settings/{operation}/{subject}/{scope}/{scope_id}',
      tags: ['operations'],
      summary: 'Remove the override of a level, group or user',
      request: { params: OverrideParams },
      responses: { 204: { description: 'Removed' }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { operation, subject, scope, scope_id: scopeId } = c.req.valid('param');
      // no subject check: a subject with no layer is a 404 already, and a layer saved under one before subjects were
      // checked can still be removed
      await removeOverride(deps.sql, { settings: operationNamed(operation), subject, scope, scopeId });
      deps.operationSettings.changed(operation, subject);
      deps.log.info({ operator: c.get('user').id, operation, subject, scope, scopeId }, 'settings override removed');
      return c.body(null, 204);
    },
  );
}
