/**
 * Notifications for operators: templates (edit, preview from a sample event), where alerts go, the delivery log,
 * and broadcasts (start, follow, cancel).
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorCode } from '../../domain/errors.js';
import { ALERT_EVENTS, CHANNELS, TEMPLATE_EVENTS, USER_CHANNELS } from '../../domain/notifications/events.js';
import { deleteAlertRoute, listAlertRoutes, type StoredAlertRoute } from '../../services/notifications/alert-routes-store.js';
import { broadcastById, listBroadcasts, type Broadcast } from '../../services/notifications/broadcasts-store.js';
import { broadcastProgress, cancelBroadcast, startBroadcast } from '../../services/notifications/client.js';
import { listDeliveries, type DeliveryRow } from '../../services/notifications/deliveries-store.js';
import { addRoute, checkTemplate, updateTemplate } from '../../services/notifications/service.js';
import { sampleEvent } from '../../services/notifications/render.js';
import { listTemplates, templateFor, type StoredTemplate } from '../../services/notifications/templates-store.js';
import type { Guards } from '../http/guards.js';
import type { ApiDeps, AppEnv } from '../context.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { ApiError, found } from '../http/problem.js';
import { jsonBody, jsonResponse, PageQuery, problems, PageOf } from '../http/schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const TemplateKey = z.object({ event_type: z.enum(TEMPLATE_EVENTS), channel: z.enum(CHANNELS) });
const TemplateInput = z.object({
  subject: z.string().max(500).default('').openapi({ description: 'Mail only: the subject line' }),
  body: z.string().min(1).max(20_000),
});
const TemplateView = z
  .object({ event_type: z.string(), channel: z.string(), subject: z.string(), body: z.string(), updated_at: z.string() })
  .openapi('NotificationTemplate');
const Rendered = z.object({ subject: z.string(), body: z.string(), sample: z.record(z.string(), z.unknown()) });
const Severity = z.enum(['info', 'warning', 'critical']);
const AlertRouteView = z
  .object({
    id: z.string(),
    event_type: z.string(),
    channel: z.string(),
    target: z.string(),
    min_severity: Severity,
    created_at: z.string(),
  })
  .openapi('AlertRoute');
const DELIVERY_STATUSES = ['pending', 'sending', 'sent', 'failed', 'uncertain'] as const;
const DeliveryView = z
  .object({
    id: z.string(),
    key: z.string(),
    notification_id: z.string().nullable(),
    broadcast_id: z.string().nullable(),
    user_id: z.string().nullable(),
    event_type: z.string(),
    channel: z.string(),
    target: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    attempts: z.number().int(),
    last_error: z.string().nullable(),
    created_at: z.string(),
    sent_at: z.string().nullable(),
  })
  .openapi('NotificationDelivery');
const Id = z.string().regex(/^\d{1,18}$/, 'must be a numeric id');
const BroadcastView = z
  .object({
    id: z.string(),
    title: z.string(),
    message: z.string(),
    channels: z.array(z.string()),
    audience: z.object({ role: z.string().optional(), user_ids: z.array(z.string()).optional() }),
    status: z.enum(['running', 'completed', 'cancelled']),
    sent: z.number().int(),
    failed: z.number().int(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
    progress: z
      .object({ state: z.string(), pages: z.number().int(), sent: z.number().int(), failed: z.number().int() })
      .nullable()
      .openapi({ description: "The workflow's own progress (a query), while it can be asked" }),
  })
  .openapi('Broadcast');

const templateView = (t: StoredTemplate) => ({
  event_type: t.eventType,
  channel: t.channel,
  subject: t.subject,
  body: t.body,
  updated_at: t.updatedAt.toISOString(),
});
const routeView = (r: StoredAlertRoute) => ({
  id: r.id,
  event_type: r.eventType,
  channel: r.channel,
  // a Slack hook's URL is its credential: shown only by its host
  target: r.channel === 'slack' ? `${new URL(r.target).origin}/…` : r.target,
  min_severity: r.minSeverity,
  created_at: r.createdAt.toISOString(),
});
const deliveryView = (d: DeliveryRow) => ({
  id: d.id,
  key: d.key,
  notification_id: d.notificationId,
  broadcast_id: d.broadcastId,
  user_id: d.userId,
  event_type: d.eventType,
  channel: d.channel,
  target: d.target,
  status: d.status,
  attempts: d.attempts,
  last_error: d.lastError,
  created_at: d.createdAt.toISOString(),
  sent_at: d.sentAt?.toISOString() ?? null,
});

export function opsNotificationRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const broadcastDeps = {
    sql: deps.sql,
    temporal: deps.temporal,
    log: deps.log,
    settings: deps.settings.notifications.broadcast,
  };
  const broadcastView = async (b: Broadcast, withProgress: boolean) => ({
    id: b.id,
    title: b.title,
    message: b.message,
    channels: b.channels,
    audience: { role: b.audience.role, user_ids: b.audience.userIds },
    status: b.status,
    sent: b.sent,
    failed: b.failed,
    created_at: b.createdAt.toISOString(),
    finished_at: b.finishedAt?.toISOString() ?? null,
    progress: withProgress ? await broadcastProgress(deps.temporal, b.id).catch(() => null) : null,
  });

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/notification-templates',
      tags: ['operations'],
      summary: 'Every notification template (one per event type and channel)',
      responses: { 200: jsonResponse('The templates', z.object({ data: z.array(TemplateView) })), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: (await listTemplates(deps.sql)).map(templateView) }, 200),
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'put',
      path: '/v1/ops/notification-templates/{event_type}/{channel}',
      tags: ['operations'],
      summary: "Save a template; one that does not render its event's sample is refused (400 naming the placeholder)",
      request: { params: TemplateKey, ...jsonBody(TemplateInput) },
      responses: { 200: jsonResponse('Saved', TemplateView), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const { event_type, channel } = c.req.valid('param');
      const { subject, body } = c.req.valid('json');
      const saved = await updateTemplate(deps.sql, {
        eventType: event_type,
        channel,
        subject,
        body,
        updatedBy: c.get('user').id,
      });
      deps.log.info({ operator: c.get('user').id, event_type, channel }, 'notification template saved');
      return c.json(templateView(saved), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/notification-templates/{event_type}/{channel}/preview',
      tags: ['operations'],
      summary: 'Render a draft (or, with no body, the saved template) from the sample event',
      request: {
        params: TemplateKey,
        body: { required: false, content: { 'application/json': { schema: TemplateInput.partial() } } },
      },
      responses: { 200: jsonResponse('The sample rendered', Rendered), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const { event_type, channel } = c.req.valid('param');
      const draft = c.req.valid('json') as { subject?: string; body?: string } | undefined;
      const saved = await templateFor(deps.sql, event_type, channel);
      const body = draft?.body ?? saved?.body;
      if (body === undefined)
        throw new ApiError(ErrorCode.NotFound, `no ${channel} template for ${event_type}: send a body to preview`, [
          { path: 'body', message: 'is needed: no template is saved to preview' },
        ]);
      const rendered = checkTemplate(event_type, channel, { subject: draft?.subject ?? saved?.subject ?? '', body });
      return c.json({ ...rendered, sample: sampleEvent(event_type) }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/alert-routes',
      tags: ['operations'],
      summary: 'Where operator alerts go',
      responses: { 200: jsonResponse('The routes', z.object({ data: z.array(AlertRouteView) })), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: (await listAlertRoutes(deps.sql)).map(routeView) }, 200),
  );

  app.openapi(
    guardedRoute(guards.admin, {
      method: 'post',
      path: '/v1/ops/alert-routes',
      tags: ['operations'],
      summary: 'Send alerts of a type (or all: "*") to a Slack incoming webhook, a Telegram chat or a mail address',
      request: jsonBody(
        z.object({
          event_type: z.union([
            z.enum(ALERT_EVENTS),
            z.literal('*'),
            z.string().regex(/^[a-z][a-z0-9_]{1,63}$/, 'must be an alert kind'),
          ]),
          channel: z.enum(['slack', 'telegram', 'email']),
          target: z.string().min(1).max(2_000),
          min_severity: Severity.default('info'),
        }),
      ),
      responses: { 201: jsonResponse('The route', AlertRouteView), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const route = await addRoute(
        deps.sql,
        {
          eventType: body.event_type,
          channel: body.channel,
          target: body.target,
          minSeverity: body.min_severity,
          createdBy: c.get('user').id,
        },
        { allowPrivateTargets: deps.webhooks.allowPrivateTargets, key: deps.keys.alertRoutes },
      );
      return c.json(routeView(route), 201);
    },
  );

  app.openapi(
    guardedRoute(guards.admin, {
      method: 'delete',
      path: '/v1/ops/alert-routes/{id}',
      tags: ['operations'],
      summary: 'Stop sending alerts along a route',
      request: { params: z.object({ id: Id }) },
      responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      found(await deleteAlertRoute(deps.sql, c.req.valid('param').id), 'no such alert route');
      return c.body(null, 204);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/notification-deliveries',
      tags: ['operations'],
      summary: 'The delivery log, newest first: every send, its attempts and last error',
      request: {
        query: PageQuery.extend({
          status: z.enum(DELIVERY_STATUSES).optional(),
          channel: z.enum(CHANNELS).optional(),
          notification_id: Id.optional(),
          broadcast_id: Id.optional(),
        }),
      },
      responses: {
        200: jsonResponse('A page of deliveries', PageOf(DeliveryView)),
        ...problems(400, 401, 403),
      },
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listDeliveries(deps.sql, {
        status: q.status,
        channel: q.channel,
        notificationId: q.notification_id,
        broadcastId: q.broadcast_id,
        before: decodeCursor(q.cursor, Positions.serial),
        limit: q.limit + 1,
      });
      return c.json(await pageBody(rows, q.limit, (d) => d.id, deliveryView), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.admin, {
      method: 'post',
      path: '/v1/ops/broadcasts',
      tags: ['operations'],
      summary: 'Broadcast a message to all users or a filtered group (workflow broadcast:<id>)',
      request: jsonBody(
        z.object({
          title: z.string().min(1).max(200),
          message: z.string().min(1).max(3_000),
          channels: z.array(z.enum(USER_CHANNELS)).min(1).max(USER_CHANNELS.length),
          audience: z
            .object({
              role: z.enum(['user', 'merchant', 'operator', 'admin']).optional(),
              user_ids: z.array(z.uuid()).min(1).max(10_000).optional(),
            })
            .default({}),
        }),
      ),
      responses: { 201: jsonResponse('Started', BroadcastView), ...problems(400, 401, 403) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const broadcast = await startBroadcast(broadcastDeps, {
        title: body.title,
        message: body.message,
        channels: [...new Set(body.channels)],
        audience: { role: body.audience.role, userIds: body.audience.user_ids },
        createdBy: c.get('user').id,
      });
      deps.log.info({ operator: c.get('user').id, broadcast: broadcast.id }, 'broadcast started');
      return c.json(await broadcastView(broadcast, false), 201);
    },
  );

  app.openapi(
    pageRoute(guards.operator, {
      path: '/v1/ops/broadcasts',
      tags: ['operations'],
      summary: 'Broadcasts, newest first',
      items: ['A page of broadcasts', BroadcastView],
      forbidden: true,
    }),
    async (c) => {
      const q = c.req.valid('query');
      const rows = await listBroadcasts(deps.sql, { before: decodeCursor(q.cursor, Positions.serial), limit: q.limit + 1 });
      return c.json(
        await pageBody(
          rows,
          q.limit,
          (b) => b.id,
          (b) => broadcastView(b, false),
        ),
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/broadcasts/{id}',
      tags: ['operations'],
      summary: "A broadcast with its workflow's progress",
      request: { params: z.object({ id: Id }) },
      responses: { 200: jsonResponse('The broadcast', BroadcastView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const broadcast = found(await broadcastById(deps.sql, c.req.valid('param').id), 'no such broadcast');
      return c.json(await broadcastView(broadcast, true), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.admin, {
      method: 'post',
      path: '/v1/ops/broadcasts/{id}/cancel',
      tags: ['operations'],
      summary: 'Cancel a running broadcast (what was sent stays sent)',
      request: { params: z.object({ id: Id }) },
      responses: {
        200: jsonResponse(
          'Cancelled; the progress when it stopped',
          z.object({ state: z.string(), pages: z.number().int(), sent: z.number().int(), failed: z.number().int() }),
        ),
        ...problems(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      found(await broadcastById(deps.sql, id), 'no such broadcast');
      const progress = await cancelBroadcast(deps.temporal, id, c.get('user').id);
      return c.json({ state: progress.state, pages: progress.pages, sent: progress.sent, failed: progress.failed }, 200);
    },
  );
}
