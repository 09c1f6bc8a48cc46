/**
 * The one way into merchant webhooks for other features: publish an event in the transaction that records what
 * happened (an invoice settled, a withdrawal paid), and its deliveries go out once that transaction commits.
 *
 * Store, then start (platform/temporal/start-after-commit.ts): the deliveries are stored with their workflow not
 * started, and the publishing transaction NOTIFYs `sluice_webhooks`, which Postgres delivers at commit; the worker
 * listening there starts the deliveries' workflows at once (`startNotifiedDeliveries`), and its sweep
 * (`startUnstartedDeliveries`) starts any a lost notification missed. A rolled-back transaction publishes nothing.
 */
import type { WebhookEvent, WebhookEventType } from '../../domain/webhooks/events.js';
import { RETRY_DELAYS_MS } from '../../domain/webhooks/delivery.js';
import type { Db } from '../../platform/db/client.js';
import { markWorkflowStarted } from '../../platform/db/workflow-outbox.js';
import type { Logger } from '../../platform/log.js';
import { startMissed, startStored, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  webhookDeliveryWorkflowType,
  webhookSearchAttributes,
  webhookWorkflowId,
  type WebhookDeliveryInput,
  type WebhookDeliveryWorkflow,
} from '../../workflows/webhooks/messages.js';
import { unstartedDeliveries, type DeliveryRow } from './deliveries-store.js';
import { storeEvents } from './events-store.js';

export type { WebhookEvent, WebhookEventType } from '../../domain/webhooks/events.js';
export { WEBHOOK_EVENT_TYPES } from '../../domain/webhooks/events.js';
export { DELIVERIES_CHANNEL } from './events-store.js';
export {
  callbackDeliveryIds,
  callbackOwner,
  ordersWithCallbacks,
  linkCallback,
  ORDER_CALLBACK_EVENT,
  storeCallbackEvent,
} from './callbacks-store.js';
export { attemptsOf, deliveryById, type Attempt, type Delivery } from './deliveries-store.js';
export { endpointUrlProblem } from './outbound-address.js';
export { callbackSecret } from './signature.js';

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

/** Stored deliveries and their workflows, for storeThenStart, startStored and startMissed. */
export function deliveryOutbox(
  temporal: TemporalTarget,
  db: Db,
  retryDelaysMs: readonly number[] = RETRY_DELAYS_MS,
): WorkflowOutbox<DeliveryRow> {
  return {
    kind: 'webhook delivery',
    idOf: (d) => d.id,
    async start(d) {
      const input: WebhookDeliveryInput = { deliveryId: d.id, merchantId: d.merchantId, retryDelaysMs: [...retryDelaysMs] };
      await temporal.client.workflow.start<WebhookDeliveryWorkflow>(webhookDeliveryWorkflowType, {
        taskQueue: temporal.taskQueue,
        workflowId: webhookWorkflowId(d),
        workflowIdConflictPolicy: 'USE_EXISTING',
        // a delivery that ended never runs again (a repeat is a redelivery, with a workflow ID of its own)
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [input],
        typedSearchAttributes: webhookSearchAttributes(input),
      });
    },
    markStarted: (d) => markWorkflowStarted(db, 'webhook_deliveries', d.id),
    unstarted: (graceSeconds) => unstartedDeliveries(db, graceSeconds),
  };
}

/** The worker's answer to a NOTIFY on DELIVERIES_CHANNEL: starts every stored delivery not started yet. */
export async function startNotifiedDeliveries(outbox: WorkflowOutbox<DeliveryRow>, log: Logger): Promise<number> {
  let started = 0;
  for (;;) {
    const rows = await outbox.unstarted(0);
    const now = await startStored(outbox, rows, log);
    started += now;
    // a full page means more may wait; a page with failed starts is left to the sweep
    if (rows.length < 100 || now < rows.length) return started;
  }
}

/** The worker's sweep: starts deliveries stored more than `graceSeconds` ago whose workflow is not started. */
export function startUnstartedDeliveries(
  outbox: WorkflowOutbox<DeliveryRow>,
  log: Logger,
  graceSeconds: number,
): Promise<number> {
  return startMissed(outbox, graceSeconds, log);
}
