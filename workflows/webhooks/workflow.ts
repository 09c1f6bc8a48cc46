/**
 * Webhook delivery `webhook:<event-id>:<endpoint-id>`: POST the event, signed; on a retryable failure wait BTCPay's
 * schedule (10 s, 1 min, 6 × 10 min) and try again; a 2xx ends it, any other answer is final. When the schedule is
 * spent the delivery is `failed`, visible and redeliverable, and the operators are alerted: it never stops silently.
 */
import { proxyLocalActivities, setHandler, sleep, upsertSearchAttributes } from '@temporalio/workflow';
import type { createWebhookActivities } from '../../activities/webhooks/activities.js';
import { retryDelayAfter, type DeliveryStatus } from '../../domain/webhooks/delivery.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { webhookDeliveryStateQuery, type WebhookDeliveryInput, type WebhookDeliveryState } from './messages.js';

type Activities = ReturnType<typeof createWebhookActivities>;

// a local activity: one attempt is one workflow task, with no round trip through the task queue
const delivery = proxyLocalActivities<Activities>(retryPolicies.webhookAttempt);

export async function webhookDeliveryWorkflow(input: WebhookDeliveryInput): Promise<DeliveryStatus> {
  const state: WebhookDeliveryState = { status: 'pending', attempts: 0 };
  setHandler(webhookDeliveryStateQuery, () => state);

  for (let attempt = 1; ; attempt++) {
    const retryInMs = retryDelayAfter(attempt, input.retryDelaysMs);
    state.status = await delivery.attemptWebhookDelivery({ deliveryId: input.deliveryId, attempt, retryInMs });
    state.attempts = attempt;
    if (state.status !== 'pending') break;
    await sleep(retryInMs!);
  }
  upsertSearchAttributes([{ key: SluiceStatus, value: state.status }]);
  return state.status;
}
