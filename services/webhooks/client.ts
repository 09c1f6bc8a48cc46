/**
 * The one way into merchant webhooks for other features: publish an event in the transaction that records what
 * happened (an invoice settled, a withdrawal paid), and its deliveries go out once that transaction commits.
 *
 * Store, then start (platform/temporal/start-after-commit.ts): the deliveries are stored with their workflow not
 * started, and the publishing transaction NOTIFYs `sluice_webhooks`, which Postgres delivers at commit; the worker
 * listening there starts the deliveries' workflows at once, and its sweep starts any a lost notification missed.
 * A rolled-back transaction publishes nothing.
 */
import type { WebhookEvent, WebhookEventType } from '../../domain/webhooks/events.js';
import type { Db } from '../../platform/db/client.js';
import { storeEvents } from './events-store.js';

export type { WebhookEvent, WebhookEventType } from '../../domain/webhooks/events.js';
export { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks/events.js';

/**
 * Publishes an event to its merchant's enabled endpoints subscribed to its type, in the caller's transaction `tx`.
 * Idempotent by `event.id` (a business key such as `invoice:<id>:settled`): publishing it again stores nothing and
 * answers 0. Answers how many deliveries it stored (0 too when no endpoint is subscribed: nothing is stored then).
 * `data` must be plain JSON: amounts as decimal strings.
 */
export async function publishEvent(
  tx: Db,
  event: { id: string; merchantId: string; type: WebhookEventType; data: Record<string, unknown> },
): Promise<number> {
  return (await storeEvents(tx, [event])).length;
}

/** `publishEvent` for many events in one statement (a batch of credited deposits). */
export async function publishEvents(tx: Db, events: WebhookEvent[]): Promise<number> {
  return (await storeEvents(tx, events)).length;
}
