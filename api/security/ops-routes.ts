/** The security event log, for admins: newest first, by kind or by user. */
import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { SECURITY_EVENT_KINDS, securityEvents, type SecurityEvent } from '../../services/security/events-store.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { decodeCursor, page } from '../http/pages.js';
import { BearerSecurity, jsonResponse, PageQuery, problems, PageOf } from '../http/schemas.js';

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
    createRoute({
      method: 'get',
      path: '/v1/ops/security-events',
      tags: ['operations'],
      summary: 'Security events (sign-ins, failures, second factor, API keys, roles, operator actions), newest first',
      middleware: [guards.admin] as const,
      security: BearerSecurity,
      request: { query: PageQuery.extend({ kind: z.enum(SECURITY_EVENT_KINDS).optional(), user_id: z.uuid().optional() }) },
      responses: {
        200: jsonResponse('A page of events', PageOf(SecurityEventView)),
        ...problems(400, 401, 403),
      },
    }),
    async (c) => {
      const { limit, cursor, kind, user_id } = c.req.valid('query');
      const rows = await securityEvents(deps.sql, { before: decodeCursor(cursor), limit: limit + 1, kind, userId: user_id });
      const result = page(rows, limit, (e) => e.id);
      return c.json({ data: result.data.map(view), next_cursor: result.nextCursor }, 200);
    },
  );
}
