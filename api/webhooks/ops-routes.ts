/** Merchant webhooks for operators: every merchant's deliveries (failed ones first to look at), and redelivery. */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { existingDelivery, redeliver } from '../../services/webhooks/service.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { IdempotencyHeaders, jsonResponse, replayHeaders, problems } from '../http/schemas.js';
import { DeliveryFilters, deliveryPage, DeliveryView, deliveryView, webhookDeps } from './views.js';
import { guardedRoute, pageRoute } from '../http/routes.js';

const IdParam = z.object({ id: z.uuid() });
const OpsDeliveryView = DeliveryView.extend({ merchant_id: z.string() });

export function opsWebhookRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const webhooks = webhookDeps(deps);

  app.openapi(
    pageRoute(guards.operator, {
      path: '/v1/ops/webhooks/deliveries',
      tags: ['operations'],
      summary:
        "Every merchant's webhook deliveries, newest first (status=failed: out of retries, not sent to an endpoint turned off, or whose workflow was terminated)",
      filters: { ...DeliveryFilters, merchant_id: z.uuid().optional() },
      items: ['A page of deliveries', OpsDeliveryView],
      forbidden: true,
    }),
    async (c) => {
      const q = c.req.valid('query');
      const view = async (d: Parameters<typeof deliveryView>[1]) => ({
        ...(await deliveryView(deps, d, false)),
        merchant_id: d.merchantId,
      });
      return c.json(await deliveryPage(deps, q.merchant_id, q, view), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/webhooks/deliveries/{id}',
      tags: ['operations'],
      summary: 'A delivery with its event and every attempt',
      request: { params: IdParam },
      responses: { 200: jsonResponse('The delivery', OpsDeliveryView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const d = await existingDelivery(webhooks, c.req.valid('param').id);
      return c.json({ ...(await deliveryView(deps, d, true)), merchant_id: d.merchantId }, 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/webhooks/deliveries/{id}/redeliver',
      tags: ['operations'],
      summary: "Send a delivery's event again to its endpoint, as a new delivery linked to it",
      request: { params: IdParam, headers: IdempotencyHeaders },
      responses: {
        201: jsonResponse('The new delivery (or, for a repeated Idempotency-Key, the one it made)', OpsDeliveryView),
        ...problems(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const original = await existingDelivery(webhooks, c.req.valid('param').id);
      const { delivery: d, replayed } = await redeliver(webhooks, original, {
        requestedBy: `operator:${c.get('user').id}`,
        idempotencyKey: c.req.valid('header')['idempotency-key'],
      });
      const view = { ...(await deliveryView(deps, d, false)), merchant_id: d.merchantId };
      return c.json(view, 201, replayHeaders(replayed));
    },
  );
}
