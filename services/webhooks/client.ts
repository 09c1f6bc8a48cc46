/**
 * The one way into merchant webhooks for other features: publish an event in the transaction that records what
 * happened (an invoice settled, a withdrawal paid), and its deliveries go out once that transaction commits.
 *
 * Store, then deliver: the deliveries are stored with their workflow not started, and the publishing transaction
 * NOTIFYs `sluice_webhooks`, which Postgres delivers at commit; the worker listening there makes each one's first
 * attempt at once (activities/webhooks/first-attempts.ts) and starts a workflow only for those to retry; its sweep
 * (`startUnstartedDeliveries`) starts the workflow of any a lost notification or a dead worker missed. A rolled-back
 * transaction publishes nothing.
 */
import type { WebhookEvent } from '../../domain/webhooks/events.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { startMissed, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import type { DeliveryRow } from './deliveries-store.js';
import { storeEvents } from './events-store.js';

export type { WebhookEvent, WebhookEventType } from '../../domain/webhooks/events.js';
export { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks/events.js';
export { DELIVERIES_CHANNEL } from './events-store.js';
export { deliveryOutbox } from './delivery-outbox.js';
/** Operators' console: every merchant's deliveries, their attempts, and redelivery. */
export { attemptsOf, listDeliveries, type Attempt, type Delivery } from './deliveries-store.js';
export { existingDelivery, redeliver, type WebhookDeps } from './service.js';
/** The safe outbound POST and URL check, for whoever else posts to URLs operators give (notifications' Slack hooks). */
export { endpointUrlProblem } from './outbound-address.js';
export { postWebhook, type PostResult } from './post.js';
export {
  callbackDeliveryIds,
  callbackOwner,
  ordersWithCallbacks,
  linkCallback,
  ORDER_CALLBACK_EVENT,
  storeCallbackEvent,
} from './callbacks-store.js';
export { deliveryById } from './deliveries-store.js';
export { callbackSecret } from './signature.js';

/**
 * Publishes an event to its merchant's enabled endpoints subscribed to its type, in the caller's transaction `tx`.
 * Idempotent by `event.id` (a business key such as `invoice:<id>:settled`): publishing it again stores nothing and
 * answers 0. Answers how many deliveries it stored (0 too when no endpoint is subscribed: nothing is stored then).
 * `data` must be plain JSON: amounts as decimal strings.
 */
export async function publishEvent(tx: Db, event: WebhookEvent): Promise<number> {
  return (await storeEvents(tx, [event])).length;
}

/** `publishEvent` for many events in one statement (a batch of credited deposits). */
export async function publishEvents(tx: Db, events: WebhookEvent[]): Promise<number> {
  return (await storeEvents(tx, events)).length;
}

/** The worker's sweep: starts deliveries stored more than `graceSeconds` ago whose workflow is not started. */
export function startUnstartedDeliveries(
  outbox: WorkflowOutbox<DeliveryRow>,
  log: Logger,
  graceSeconds: number,
): Promise<number> {
  return startMissed(outbox, graceSeconds, log);
}
