/**
 * A scheduled check's run that fails (a reconciliation, a ledger audit: an activity given up after its tries) fails
 * only in its workflow's state and the worker's log, which nobody watches; the check then silently did not happen.
 * So operators get a critical alert naming the run, once (keyed by it), before the run fails as it did.
 */
import { ActivityFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createNotificationActivities } from '../activities/notifications/activities.js';
import { retryPolicies } from '../platform/temporal/retry-policies.js';
import { isPatched, type ChangeId } from '../platform/temporal/versions.js';

const { recordNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>(retryPolicies.bookkeeping);

export interface CheckRun {
  /** The alert's kind (`reconciliation_failed`, `ledger_audit_failed`). */
  kind: string;
  /** What ran, in words: "The reconciliation". */
  name: string;
  trigger: 'schedule' | 'manual';
  /** The change that added the alert to a workflow that failed without it. */
  changeId: ChangeId;
}

export async function alertingIfFailed<T>(check: CheckRun, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ActivityFailure && isPatched(check.changeId)) {
      const { workflowId, runId } = workflowInfo();
      const reason = error.cause?.message ?? error.message;
      await recordNotification({
        key: `${workflowId}:${runId}:failed`,
        userId: null,
        kind: check.kind,
        severity: 'critical',
        title: `${check.name} run ${workflowId} failed: ${reason}`,
        body: { workflow_id: workflowId, run_id: runId, trigger: check.trigger, activity: error.activityType, error: reason },
      });
    }
    throw error;
  }
}
