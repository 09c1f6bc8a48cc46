/** Notifications: the caller's own, and operator alerts. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { markRead, notificationsFor, type Notification } from '../../services/notifications/store.js';

import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { found } from '../http/problem.js';
import { jsonResponse, PageQuery, problems, PageOf } from '../http/schemas.js';
import { guardedRoute } from '../http/routes.js';

const NotificationView = z
  .object({
    id: z.string(),
    kind: z.string(),
    severity: z.enum(['info', 'warning', 'critical']),
    title: z.string(),
    body: z.record(z.string(), z.unknown()),
    created_at: z.string(),
    read_at: z.string().nullable(),
  })
  .openapi('Notification');
const Page = PageOf(NotificationView);
const Query = PageQuery.extend({ kind: z.string().max(64).optional() });

const view = (n: Notification) => ({
  id: n.id,
  kind: n.kind,
  severity: n.severity,
  title: n.title,
  body: n.body,
  created_at: n.createdAt.toISOString(),
  read_at: n.readAt?.toISOString() ?? null,
});

export function notificationRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const list = async (userId: string | null, query: z.infer<typeof Query>) => {
    const rows = await notificationsFor(deps.sql, userId, {
      before: decodeCursor(query.cursor, Positions.serial),
      limit: query.limit + 1,
      kind: query.kind,
    });
    return pageBody(rows, query.limit, (n) => n.id, view);
  };

  app.openapi(
    guardedRoute(guards.funds, {
      method: 'get',
      path: '/v1/notifications',
      tags: ['notifications'],
      summary: "The caller's notifications, newest first",
      request: { query: Query },
      responses: { 200: jsonResponse('A page of notifications', Page), ...problems(400, 401) },
    }),
    async (c) => c.json(await list(c.get('user').id, c.req.valid('query')), 200),
  );

  app.openapi(
    guardedRoute(guards.user, {
      method: 'post',
      path: '/v1/notifications/{id}/read',
      tags: ['notifications'],
      summary: 'Mark a notification read',
      request: { params: z.object({ id: z.string().regex(/^\d{1,18}$/, 'must be a notification id') }) },
      responses: { 204: { description: 'Marked read' }, ...problems(400, 401, 404) },
    }),
    async (c) => {
      found(await markRead(deps.sql, c.get('user').id, c.req.valid('param').id), 'no such notification');
      return c.body(null, 204);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/alerts',
      tags: ['operations'],
      summary: 'Operator alerts (notifications addressed to no user), newest first',
      request: { query: Query },
      responses: { 200: jsonResponse('A page of alerts', Page), ...problems(400, 401, 403) },
    }),
    async (c) => c.json(await list(null, c.req.valid('query')), 200),
  );
}
