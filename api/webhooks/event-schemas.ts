/**
 * The body of every webhook event type, in the OpenAPI document (its `webhooks` section), so a field that disappears
 * from a payload is a visible change to a published schema, not a silent one (BTCPay #5496). Each emitter's test
 * parses what it publishes with its type's schema. Amounts are decimal strings in the currency's units.
 */
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from '../../domain/webhooks/events.js';
import type { AppEnv } from '../context.js';

const Amount = z.string().regex(/^\d+(\.\d+)?$/);

const invoiceData = z.object({
  invoice_id: z.string(),
  status: z.string(),
  order_id: z.string().nullable(),
  currency: z.string(),
  amount: Amount,
  settled_value: Amount.nullable().openapi({
    description:
      "What was paid, in the invoice's currency: what settled it; for a partial payment at the deadline (paid_partial) or a mark without a settlement, what the final payments are worth; null when nothing was",
  }),
  marked: z.boolean().openapi({ description: 'Whether an operator marked it (marked_settled, marked_invalid)' }),
  metadata: z.record(z.string(), z.unknown()).openapi({ description: "The merchant's metadata, as given at creation" }),
});

const withdrawalData = z.object({
  withdrawal_id: z.string(),
  status: z.string().openapi({ description: 'succeeded; for failed: rejected, cancelled, expired or closed' }),
  currency: z.string(),
  amount: Amount,
  fee: Amount,
  address: z.string(),
  destination_tag: z.string().nullable(),
  tx_hash: z.string().nullable(),
  reason: z.string().nullable(),
});

const EVENT_DATA: Record<WebhookEventType, z.ZodObject> = {
  'invoice.created': invoiceData,
  'invoice.processing': invoiceData,
  'invoice.settled': invoiceData,
  'invoice.expired': invoiceData,
  'invoice.invalid': invoiceData,
  'invoice.paid_late': invoiceData,
  'invoice.paid_over': invoiceData,
  'withdrawal.succeeded': withdrawalData,
  'withdrawal.failed': withdrawalData,
  'deposit.credited': z.object({
    deposit_id: z.string(),
    currency: z.string(),
    amount: Amount,
    chain: z.string(),
    address: z.string(),
    destination_tag: z.string().nullable(),
    tx_hash: z.string(),
  }),
  'exchange.completed': z.object({
    quote_id: z.string(),
    from_currency: z.string(),
    to_currency: z.string(),
    amount_in: Amount,
    amount_out: Amount,
    fee: Amount,
    rate: z.string(),
  }),
};

/** The whole event as posted: `id`, `type`, `created_at`, `data`. */
export function eventSchema(type: WebhookEventType) {
  return z
    .object({ id: z.string(), type: z.literal(type), created_at: z.iso.datetime(), data: EVENT_DATA[type] })
    .openapi(`WebhookEvent_${type.replace('.', '_')}`);
}

/** Declares every event type under the document's `webhooks`, with the headers a merchant verifies. */
export function registerEventSchemas(app: OpenAPIHono<AppEnv>) {
  for (const type of WEBHOOK_EVENT_TYPES) {
    app.openAPIRegistry.registerWebhook({
      method: 'post',
      path: type,
      tags: ['webhooks'],
      summary: `The ${type} event, POSTed to the endpoints subscribed to it`,
      description:
        'Signed with the endpoint secret: `Sluice-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (one v1 per valid secret during a rotation). A 2xx acknowledges it; 5xx, 408, 429 and network errors are retried after 10 s, 1 min, then 6 × 10 min.',
      request: {
        headers: z.object({
          'sluice-signature': z.string().regex(/^t=\d+(,v1=[0-9a-f]{64})+$/),
          'sluice-event-id': z.string(),
          'sluice-delivery-id': z.string(),
        }),
        body: { required: true, content: { 'application/json': { schema: eventSchema(type) } } },
      },
      responses: { 200: { description: 'Any 2xx acknowledges the event' } },
    });
  }
}
