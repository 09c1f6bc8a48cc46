/** The caller's own effective settings of an operation: the limits, fees and switches that apply to them. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { jsonResponse, problems } from '../http/schemas.js';
import { operationNamed, SubjectParams } from './ops-routes.js';
import { SettingValuesView, showValues, subjectCurrency } from '../http/setting-values.js';
import { guardedRoute } from '../http/routes.js';

export function settingsRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    guardedRoute(guards.user, {
      method: 'get',
      path: '/v1/me/settings/{operation}/{subject}',
      tags: ['account'],
      summary:
        'The limits, fees and switches of an operation that apply to the caller (theirs, their group’s, their level’s, the default)',
      request: { params: SubjectParams },
      responses: {
        200: jsonResponse('Effective values', z.object({ values: SettingValuesView })),
        ...problems(400, 401, 403, 404),
      },
    }),
    async (c) => {
      const { operation, subject } = c.req.valid('param');
      const settings = operationNamed(operation);
      const currency = await subjectCurrency(deps, settings, subject);
      const values = await deps.operationSettings.values(settings, subject, await deps.users.principal(c.get('user').id));
      return c.json({ values: showValues(settings.fields, values, currency) }, 200);
    },
  );
}
