/** Admin view of users and their roles. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { listUsers, ROLES } from '../../services/users-auth/users-store.js';
import { changeDisabled, changeRole, resetSecondFactor } from '../../services/users-auth/roles.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { userView, UserView } from './auth-routes.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

export function userAdminRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    pageRoute(guards.operator, {
      path: '/v1/ops/users',
      tags: ['operations'],
      summary: 'Users, optionally by role',
      filters: { role: z.enum(ROLES).optional() },
      items: ['A page of users', UserView],
      forbidden: true,
    }),
    async (c) => {
      const { limit, cursor, role } = c.req.valid('query');
      const rows = await listUsers(deps.sql, { after: decodeCursor(cursor, Positions.uuid), limit: limit + 1, role });
      return c.json(await pageBody(rows, limit, (u) => u.id, userView), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.admin, {
      method: 'put',
      path: '/v1/ops/users/{id}/role',
      tags: ['operations'],
      summary: "Set a user's role (admin only)",
      request: { params: z.object({ id: z.uuid() }), ...jsonBody(z.object({ role: z.enum(ROLES) })) },
      responses: { 200: jsonResponse('Updated', UserView), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const user = await changeRole(deps, {
        adminId: c.get('user').id,
        userId: c.req.valid('param').id,
        role: c.req.valid('json').role,
      });
      return c.json(userView(user), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.admin, {
      method: 'put',
      path: '/v1/ops/users/{id}/disabled',
      tags: ['operations'],
      summary: "Disable or re-enable a user (admin only): a disabled user's tokens and API keys are refused at once",
      request: { params: z.object({ id: z.uuid() }), ...jsonBody(z.object({ disabled: z.boolean() })) },
      responses: { 200: jsonResponse('Updated', UserView), ...problems(400, 401, 403, 404, 415, 422) },
    }),
    async (c) => {
      const user = await changeDisabled(deps, {
        adminId: c.get('user').id,
        userId: c.req.valid('param').id,
        disabled: c.req.valid('json').disabled,
      });
      return c.json(userView(user), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.admin, {
      method: 'delete',
      path: '/v1/ops/users/{id}/totp',
      tags: ['operations'],
      summary:
        "Turn a user's two-factor off (admin only), once support has confirmed the owner: a lost authenticator, or one the owner never enrolled",
      request: { params: z.object({ id: z.uuid() }) },
      responses: { 200: jsonResponse('Updated', UserView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const user = await resetSecondFactor(deps, { adminId: c.get('user').id, userId: c.req.valid('param').id });
      return c.json(userView(user), 200);
    },
  );
}
