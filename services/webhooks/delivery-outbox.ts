/** Webhook deliveries as a workflow outbox: each stored delivery's workflow, started after its row commits. */
import { RETRY_DELAYS_MS } from '../../domain/webhooks/delivery.js';
import type { Db } from '../../platform/db/client.js';
import { markWorkflowStarted } from '../../platform/db/workflow-outbox.js';
import type { WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  webhookDeliveryWorkflowType,
  webhookSearchAttributes,
  webhookWorkflowId,
  type WebhookDeliveryInput,
  type WebhookDeliveryWorkflow,
} from '../../workflows/webhooks/messages.js';
import { unstartedDeliveries, type DeliveryRow } from './deliveries-store.js';

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
        requestEagerStart: temporal.eagerStart ?? false,
      });
    },
    markStarted: (d) => markWorkflowStarted(db, 'webhook_deliveries', d.id),
    unstarted: (graceSeconds) => unstartedDeliveries(db, graceSeconds),
  };
}
