/** Merchant webhooks for merchants: endpoints (create, list, change, delete, rotate the secret) and their deliveries. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { endpointsOf } from '../../services/webhooks/endpoints-store.js';
import {
  changeEndpoint,
  createEndpoint,
  DEFAULT_ROTATION_OVERLAP_SECONDS,
  MAX_ROTATION_OVERLAP_SECONDS,
  ownDelivery,
  ownEndpoint,
  redeliver,
  removeEndpoint,
  rotateEndpointSecret,
} from '../../services/webhooks/service.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { requireRole } from '../http/roles.js';
import { IdempotencyHeaders, jsonBody, jsonResponse, replayHeaders, problems } from '../http/schemas.js';
import { registerEventSchemas } from './event-schemas.js';
import {
  DeliveryFilters,
  deliveryPage,
  DeliveryView,
  deliveryView,
  EndpointView,
  endpointView,
  EventType,
  webhookDeps,
} from './views.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const IdParam = z.object({ id: z.uuid() });
const Url = z
  .string()
  .trim()
  .min(1)
  .max(2_000)
  .regex(/^https?:\/\/([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?#]\S*)?$/, 'must be an http(s) URL')
  .openapi({ example: 'https://shop.example/sluice/webhooks' });
const EventTypes = z.array(EventType).min(1).max(20);
const Description = z.string().trim().max(200).nullable();
const WithSecret = EndpointView.extend({
  secret: z.string().openapi({ description: 'The signing secret, shown this once: keep it to verify Sluice-Signature' }),
}).openapi('WebhookEndpointWithSecret');

export function webhookRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const webhooks = webhookDeps(deps);
  const merchant = requireRole('merchant');
  registerEventSchemas(app);

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'post',
      path: '/v1/webhooks/endpoints',
      tags: ['webhooks'],
      summary: 'Add an endpoint: events of the subscribed types are POSTed to it, signed with the secret returned once',
      request: {
        ...jsonBody(
          z.object({
            url: Url,
            event_types: EventTypes,
            enabled: z.boolean().default(true),
            description: Description.optional(),
          }),
        ),
      },
      responses: { 201: jsonResponse('Created, with its secret', WithSecret), ...problems(400, 401, 403, 415, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const { endpoint, secret } = await createEndpoint(webhooks, c.get('user').id, {
        url: body.url,
        eventTypes: body.event_types,
        enabled: body.enabled,
        description: body.description ?? null,
      });
      return c.json({ ...endpointView(endpoint), secret }, 201);
    },
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'get',
      path: '/v1/webhooks/endpoints',
      tags: ['webhooks'],
      summary: "The caller's webhook endpoints",
      responses: { 200: jsonResponse('The endpoints', z.object({ data: z.array(EndpointView) })), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: (await endpointsOf(deps.sql, c.get('user').id)).map(endpointView) }, 200),
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'get',
      path: '/v1/webhooks/endpoints/{id}',
      tags: ['webhooks'],
      summary: 'One webhook endpoint',
      request: { params: IdParam },
      responses: { 200: jsonResponse('The endpoint', EndpointView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => c.json(endpointView(await ownEndpoint(webhooks, c.get('user').id, c.req.valid('param').id)), 200),
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'patch',
      path: '/v1/webhooks/endpoints/{id}',
      tags: ['webhooks'],
      summary: 'Change an endpoint: URL, subscribed event types, enabled, description',
      request: {
        params: IdParam,
        ...jsonBody(
          z
            .strictObject({
              url: Url.optional(),
              event_types: EventTypes.optional(),
              enabled: z.boolean().optional(),
              description: Description.optional(),
            })
            // an empty change is a mistake (or a missing body), not a no-op to accept; the document says so too
            .refine((change) => Object.values(change).some((value) => value !== undefined), {
              message: 'give url, event_types, enabled or description',
              path: ['url'],
            })
            .openapi({ minProperties: 1 }),
        ),
      },
      responses: { 200: jsonResponse('Changed', EndpointView), ...problems(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const endpoint = await changeEndpoint(webhooks, c.get('user').id, c.req.valid('param').id, {
        url: body.url,
        eventTypes: body.event_types,
        enabled: body.enabled,
        description: body.description,
      });
      return c.json(endpointView(endpoint), 200);
    },
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'delete',
      path: '/v1/webhooks/endpoints/{id}',
      tags: ['webhooks'],
      summary: 'Delete an endpoint: it takes no new events; its deliveries stay listed',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      await removeEndpoint(webhooks, c.get('user').id, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'post',
      path: '/v1/webhooks/endpoints/{id}/rotate-secret',
      tags: ['webhooks'],
      summary: 'A new signing secret, returned once; the old one stays valid (deliveries carry both signatures) for the overlap',
      request: {
        params: IdParam,
        body: {
          required: false,
          content: {
            'application/json': {
              schema: z.object({
                overlap_seconds: z
                  .number()
                  .int()
                  .min(0)
                  .max(MAX_ROTATION_OVERLAP_SECONDS)
                  .default(DEFAULT_ROTATION_OVERLAP_SECONDS)
                  .openapi({ description: 'How long the old secret stays valid; 24 h unless given, 7 days at most' }),
              }),
            },
          },
        },
      },
      responses: { 200: jsonResponse('Rotated, with the new secret', WithSecret), ...problems(400, 401, 403, 404, 415) },
    }),
    async (c) => {
      const overlap = (c.req.valid('json') as { overlap_seconds?: number } | undefined)?.overlap_seconds;
      const { endpoint, secret } = await rotateEndpointSecret(
        webhooks,
        c.get('user').id,
        c.req.valid('param').id,
        overlap ?? DEFAULT_ROTATION_OVERLAP_SECONDS,
      );
      return c.json({ ...endpointView(endpoint), secret }, 200);
    },
  );

  app.openapi(
    pageRoute([guards.user, merchant], {
      path: '/v1/webhooks/deliveries',
      tags: ['webhooks'],
      summary: "The caller's webhook deliveries, newest first: status, attempts, last answer, next attempt",
      filters: DeliveryFilters,
      items: ['A page of deliveries', DeliveryView],
      forbidden: true,
    }),
    async (c) => {
      const q = c.req.valid('query');
      return c.json(await deliveryPage(deps, c.get('user').id, q, (d) => deliveryView(deps, d, false)), 200);
    },
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'get',
      path: '/v1/webhooks/deliveries/{id}',
      tags: ['webhooks'],
      summary: 'A delivery with the event as posted and every attempt (status, latency, response excerpt)',
      request: { params: IdParam },
      responses: { 200: jsonResponse('The delivery', DeliveryView), ...problems(400, 401, 403, 404) },
    }),
    async (c) =>
      c.json(await deliveryView(deps, await ownDelivery(webhooks, c.get('user').id, c.req.valid('param').id), true), 200),
  );

  app.openapi(
    guardedRoute([guards.user, merchant], {
      method: 'post',
      path: '/v1/webhooks/deliveries/{id}/redeliver',
      tags: ['webhooks'],
      summary: 'Send the event again to the same endpoint, as a new delivery linked to this one',
      request: { params: IdParam, headers: IdempotencyHeaders },
      responses: {
        201: jsonResponse('The new delivery (or, for a repeated Idempotency-Key, the one it made)', DeliveryView),
        ...problems(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const user = c.get('user');
      const original = await ownDelivery(webhooks, user.id, c.req.valid('param').id);
      const { delivery, replayed } = await redeliver(webhooks, original, {
        requestedBy: `merchant:${user.id}`,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
      });
      return c.json(await deliveryView(deps, delivery, false), 201, replayHeaders(replayed));
    },
  );
}
