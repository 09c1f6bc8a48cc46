/**
 * The events Sluice tells merchants about, and the one JSON shape every event is posted in. The body is built once,
 * when the event is published, and stored as text: every attempt and every redelivery posts (and signs) the same
 * bytes, so a merchant's idempotency on `id` and a signature over the body both hold.
 */

export const WEBHOOK_EVENT_TYPES = [
  'invoice.created',
  'invoice.processing',
  'invoice.settled',
  'invoice.expired',
  'invoice.invalid',
  'invoice.paid_late',
  'invoice.paid_over',
  'withdrawal.succeeded',
  'withdrawal.failed',
  'deposit.credited',
  'exchange.completed',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export function isWebhookEventType(value: string): value is WebhookEventType {
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(value);
}

/**
 * An event id is the publisher's business key (`withdrawal:<id>:succeeded`, `invoice:<id>:settled`): publishing the
 * same id again stores nothing, so a retried activity or a replayed workflow never sends an event twice.
 */
export const EVENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,160}$/;

/**
 * The id a state is announced under, `<subject>:<state>`, so it is told once however often it is published. A state
 * reached again by something new (another payment after an invoice's end) is told again, under that thing's id; an
 * invoice's webhook event and its order's callback follow this one rule.
 */
export function stateEventId(subject: string, state: string, reachedAgainBy?: string): string {
  return `${subject}:${state}${reachedAgainBy ? `:${reachedAgainBy}` : ''}`;
}

export interface WebhookEvent {
  id: string;
  merchantId: string;
  type: WebhookEventType;
  /** The event's payload; amounts as decimal strings, never numbers (bigints cannot be serialised). */
  data: Record<string, unknown>;
  /**
   * The subject whose states the event tells (`invoice:<id>`), when the order of its events matters: each endpoint gets
   * them one at a time, in the order published, so a merchant never hears `settled` before `processing`.
   */
  orderedBy?: string;
}

/** The body merchants receive: `id`, `type`, `created_at`, `data`, in this order. */
export function eventBody(event: Pick<WebhookEvent, 'id' | 'data'> & { type: string }, createdAt: Date): string {
  return JSON.stringify({ id: event.id, type: event.type, created_at: createdAt.toISOString(), data: event.data });
}
