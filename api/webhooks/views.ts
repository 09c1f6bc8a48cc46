/** How webhook endpoints and deliveries look at the API, and what the webhook service needs from the API's deps. */
import { z } from '@hono/zod-openapi';
import { DELIVERY_STATUSES, FAILURE_REASONS } from '../../domain/webhooks/delivery.js';
import { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks/events.js';
import { attemptsOf, eventBodyOf, listDeliveries, type Delivery } from '../../services/webhooks/deliveries-store.js';
import { ORDER_CALLBACK_EVENT } from '../../services/webhooks/client.js';
import type { Endpoint } from '../../services/webhooks/endpoints-store.js';
import type { WebhookDeps } from '../../services/webhooks/service.js';
import type { ApiDeps } from '../context.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';

export function webhookDeps(deps: ApiDeps): WebhookDeps {
  return { sql: deps.sql, temporal: deps.temporal, log: deps.log, ...deps.webhooks };
}

export const EventType = z.enum(WEBHOOK_EVENT_TYPES);

export const EndpointView = z
  .object({
    id: z.string(),
    url: z.string(),
    event_types: z.array(EventType),
    enabled: z.boolean(),
    description: z.string().nullable(),
    previous_secret_expires_at: z
      .string()
      .nullable()
      .openapi({ description: 'After a rotation: until when deliveries are also signed with the secret it replaced' }),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('WebhookEndpoint');

export function endpointView(e: Endpoint) {
  const overlap = e.previousSecretExpiresAt && e.previousSecretExpiresAt > new Date() ? e.previousSecretExpiresAt : null;
  return {
    id: e.id,
    url: e.url,
    event_types: e.eventTypes,
    enabled: e.enabled,
    description: e.description,
    previous_secret_expires_at: overlap?.toISOString() ?? null,
    created_at: e.createdAt.toISOString(),
    updated_at: e.updatedAt.toISOString(),
  };
}

const AttemptView = z.object({
  attempt: z.number().int(),
  started_at: z.string(),
  latency_ms: z.number().int(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  response_excerpt: z.string().nullable().openapi({ description: 'The first 1 KiB of the response body' }),
  outcome: z.enum(['delivered', 'retry', 'final']),
});

export const DeliveryView = z
  .object({
    id: z.string(),
    event_id: z.string(),
    event_type: z
      .enum([...WEBHOOK_EVENT_TYPES, ORDER_CALLBACK_EVENT])
      .openapi({ description: `${ORDER_CALLBACK_EVENT}: a callback to an order's callback_url (GET /v1/orders/{id}/details)` }),
    endpoint_id: z.string(),
    status: z.enum(DELIVERY_STATUSES),
    failure_reason: z
      .enum(FAILURE_REASONS)
      .nullable()
      .openapi({
        description:
          'Why a failed delivery failed when no answer of yours decided it: endpoint_off, not sent because the endpoint was ' +
          'turned off or deleted (redeliver it once the endpoint is on); workflow_ended, its delivery was stopped by an ' +
          'operator. Null otherwise: last_status_code or last_error says why',
      }),
    attempts: z.number().int(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    next_attempt_at: z.string().nullable(),
    delivered_at: z.string().nullable(),
    failed_at: z.string().nullable(),
    redelivery_of: z.string().nullable(),
    created_at: z.string(),
    event: z.record(z.string(), z.unknown()).optional().openapi({ description: 'The event as posted' }),
    attempt_log: z.array(AttemptView).optional(),
  })
  .openapi('WebhookDelivery');

export async function deliveryView(deps: ApiDeps, d: Delivery, detailed: boolean) {
  const view = {
    id: d.id,
    event_id: d.eventId,
    event_type: d.eventType,
    endpoint_id: d.endpointId,
    status: d.status,
    failure_reason: d.failureReason,
    attempts: d.attempts,
    last_status_code: d.lastStatusCode,
    last_error: d.lastError,
    next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
    delivered_at: d.deliveredAt?.toISOString() ?? null,
    failed_at: d.failedAt?.toISOString() ?? null,
    redelivery_of: d.redeliveryOf,
    created_at: d.createdAt.toISOString(),
  };
  if (!detailed) return view;
  const [body, attempts] = await Promise.all([eventBodyOf(deps.sql, d.eventId), attemptsOf(deps.sql, d.id)]);
  return {
    ...view,
    event: JSON.parse(body!) as Record<string, unknown>,
    attempt_log: attempts.map((a) => ({
      attempt: a.attempt,
      started_at: a.startedAt.toISOString(),
      latency_ms: a.latencyMs,
      status_code: a.statusCode,
      error: a.error,
      response_excerpt: a.responseExcerpt,
      outcome: a.outcome,
    })),
  };
}

export const DeliveryFilters = {
  status: z.enum(DELIVERY_STATUSES).optional(),
  endpoint_id: z.uuid().optional(),
  event_id: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,160}$/, 'must be an event id')
    .optional(),
};

/** A page of deliveries, newest first: one merchant's, or every merchant's when `merchantId` is undefined. */
export async function deliveryPage<V>(
  deps: ApiDeps,
  merchantId: string | undefined,
  q: { limit: number; cursor?: string; status?: Delivery['status']; endpoint_id?: string; event_id?: string },
  view: (delivery: Delivery) => Promise<V>,
) {
  const rows = await listDeliveries(deps.sql, {
    merchantId,
    status: q.status,
    endpointId: q.endpoint_id,
    eventId: q.event_id,
    before: decodeCursor(q.cursor, Positions.serial),
    limit: q.limit + 1,
  });
  return pageBody(rows, q.limit, (d) => d.position, view);
}
