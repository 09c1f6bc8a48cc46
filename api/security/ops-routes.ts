/** The security event log, for admins: newest first, by kind or by user. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { SECURITY_EVENT_KINDS, securityEvents, type SecurityEvent } from '../../services/security/events-store.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { pageRoute } from '../http/routes.js';

const SecurityEventView = z
  .object({
    id: z.string(),
    at: z.string(),
    kind: z.enum(SECURITY_EVENT_KINDS),
    user_id: z.uuid().nullable(),
    actor_id: z.uuid().nullable(),
    ip: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('SecurityEvent');

const view = (e: SecurityEvent) => ({
  id: e.id,
  at: e.at.toISOString(),
  kind: e.kind,
  user_id: e.userId,
  actor_id: e.actorId,
  ip: e.ip,
  detail: e.detail,
});

export function securityEventRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  app.openapi(
    pageRoute(guards.admin, {
      path: '/v1/ops/security-events',
      tags: ['operations'],
      summary: 'Security events (sign-ins, failures, second factor, API keys, roles, operator actions), newest first',
      filters: { kind: z.enum(SECURITY_EVENT_KINDS).optional(), user_id: z.uuid().optional() },
      items: ['A page of events', SecurityEventView],
      forbidden: true,
    }),
    async (c) => {
      const { limit, cursor, kind, user_id } = c.req.valid('query');
      const rows = await securityEvents(deps.sql, {
        before: decodeCursor(cursor, Positions.serial),
        limit: limit + 1,
        kind,
        userId: user_id,
      });
      return c.json(await pageBody(rows, limit, (e) => e.id, view), 200);
    },
  );
}
