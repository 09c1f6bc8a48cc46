/**
 * Deliveries whose workflow ended without them. An operator who terminates a delivery's workflow in the Temporal UI
 * leaves its row `pending`, and one subject's later deliveries wait for it (`inTurn`, deliveries-store.ts): for ever.
 * The worker's sweep asks Temporal about every retrying delivery whose next attempt is overdue; one whose workflow no
 * longer runs is failed (`workflow_ended`), visible and redeliverable like any failed delivery, its subject's next
 * delivery goes, and one alert per sweep names them all. A workflow that still runs (a worker down) is left alone.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { webhookWorkflowId } from '../../workflows/webhooks/messages.js';
import { raiseAlert } from '../../services/notifications/client.js';
import { failWorkflowEnded, overdueStartedDeliveries, type DeliveryRow } from '../../services/webhooks/deliveries-store.js';

async function workflowRunning(temporal: Pick<TemporalTarget, 'client'>, delivery: DeliveryRow): Promise<boolean> {
  try {
    const { status } = await temporal.client.workflow.getHandle(webhookWorkflowId(delivery)).describe();
    return status.name === 'RUNNING';
  } catch (error) {
    // started once, so gone only past the namespace's retention: it ended long ago
    if (error instanceof WorkflowNotFoundError) return false;
    throw error;
  }
}

/** The sweep: fails the overdue deliveries whose workflow ended, with one alert; answers how many. */
export async function failDeliveriesWithEndedWorkflows(deps: {
  sql: Sql;
  log: Logger;
  temporal: Pick<TemporalTarget, 'client'>;
}): Promise<number> {
  const ended: string[] = [];
  for (const delivery of await overdueStartedDeliveries(deps.sql)) {
    if (!(await workflowRunning(deps.temporal, delivery))) ended.push(delivery.id);
  }
  if (ended.length === 0) return 0;
  const failed = await deps.sql.begin(async (tx) => {
    const rows = await failWorkflowEnded(tx, ended);
    if (rows.length === 0) return rows;
    await raiseAlert(tx, {
      eventId: `webhook-workflows-ended:${rows[0]!.id}`,
      type: 'other',
      kind: 'webhook_workflow_ended',
      severity: 'warning',
      title: `${rows.length} webhook deliveries failed: their workflow ended without them (terminated?); redeliver them if needed`,
      data: { deliveries: rows.length, delivery_ids: rows.map((r) => r.id) },
    });
    return rows;
  });
  if (failed.length > 0)
    deps.log.warn({ deliveries: failed.map((r) => r.id) }, 'webhook deliveries whose workflow ended marked failed');
  return failed.length;
}
