/**
 * The one way into reconciliation: its Temporal Schedule, on-demand runs and their results, the custody wallets
 * (registered by the worker, watched by the EVM listener for top-ups), operators' expected minimums and their
 * adjustments of custody holdings.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Logger } from '../../platform/log.js';
import { ensureIntervalSchedule } from '../../platform/temporal/interval-schedule.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  manualReconciliationIdOf,
  manualReconciliationWorkflowId,
  reconciliationSearchAttributes,
  reconciliationWorkflowType,
  SCHEDULED_RECONCILIATION_WORKFLOW_ID,
  type ReconciliationWorkflow,
} from '../../workflows/reconciliation/messages.js';

export {
  custodyAddresses,
  custodyMinimums,
  deleteCustodyMinimum,
  dropInflowsInBlock,
  hotCustodyWallets,
  isCustodyAddress,
  listReconciliations,
  reconciliationById,
  recordCustodyInflows,
  registerCustodyAddresses,
  type CustodyAddress,
  type CustodyInflow,
  type ReconciliationRecord,
} from './store.js';
export { configuredCustody, configuredCustodyAddresses, type CustodyWalletAddresses } from './custody-wallets.js';
export { adjustCustody, type CustodyAdjustment } from './custody-adjustments.js';
export { saveCustodyMinimum } from './custody-minimums.js';

const SCHEDULE_ID = 'reconciliation';

/** Creates the reconciliation's schedule, or moves an existing one to the configured interval. */
export async function ensureReconciliationSchedule(
  temporal: TemporalTarget,
  intervalMinutes: number,
  log: Logger,
): Promise<void> {
  await ensureIntervalSchedule(
    temporal,
    {
      scheduleId: SCHEDULE_ID,
      workflowType: reconciliationWorkflowType,
      workflowId: SCHEDULED_RECONCILIATION_WORKFLOW_ID,
      args: [{ trigger: 'schedule' as const }],
      typedSearchAttributes: reconciliationSearchAttributes,
      description: 'Books gas, fees and top-ups, then compares every custody account with the chains',
    },
    intervalMinutes,
    log,
  );
}

/** Starts a reconciliation now; its id is where GET /v1/ops/reconciliations/{id} finds it. */
export async function startReconciliation(
  temporal: TemporalTarget,
  requestedBy: string,
): Promise<{ id: string; workflowId: string }> {
  const id = randomUUID();
  const workflowId = manualReconciliationWorkflowId(id);
  await temporal.client.workflow.start<ReconciliationWorkflow>(reconciliationWorkflowType, {
    taskQueue: temporal.taskQueue,
    workflowId,
    args: [{ trigger: 'manual', id, requestedBy }],
    typedSearchAttributes: reconciliationSearchAttributes,
  });
  return { id, workflowId };
}

/** What an on-demand run is doing: since when, and the step its workflow waits on (none between steps). */
export interface ReconciliationProgress {
  since: Date;
  step: string | null;
  /** The step's attempt and why the one before failed, once it is being retried. */
  retry: { attempt: number; lastFailure: string | null } | null;
}

/** The workflow's activities as the steps of a run. */
const STEPS: Record<string, string> = {
  bookChainEvents: 'booking gas, fees and top-ups',
  compareCustody: 'comparing custody with the chains',
  recordNotification: 'raising alerts',
  recordReconciliation: 'recording the result',
};

/** An on-demand run's progress while its workflow runs; null once it is not running (its result is recorded as it ends). */
export async function reconciliationProgress(
  temporal: Pick<TemporalTarget, 'client'>,
  id: string,
): Promise<ReconciliationProgress | null> {
  try {
    const run = await temporal.client.workflow.getHandle(manualReconciliationWorkflowId(id)).describe();
    if (run.status.name !== 'RUNNING') return null;
    const pending = run.raw.pendingActivities?.[0];
    const name = pending?.activityType?.name ?? null;
    const attempt = pending?.attempt ?? 1;
    return {
      since: run.startTime,
      step: name && (STEPS[name] ?? name),
      retry: attempt > 1 ? { attempt, lastFailure: pending?.lastFailure?.message ?? null } : null,
    };
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) return null;
    throw error;
  }
}

/** Whether an on-demand reconciliation's workflow is still running (its result is recorded when it ends). */
export async function reconciliationRunning(temporal: Pick<TemporalTarget, 'client'>, id: string): Promise<boolean> {
  return (await reconciliationProgress(temporal, id)) !== null;
}

/** A run whose workflow is running: an on-demand one has its id (its page); a scheduled one gets its id as it records. */
export interface RunningReconciliation {
  id: string | null;
  workflowId: string;
  since: Date;
}

/** At most this many runs in progress are read: the schedule skips overlaps, so more would be operators' clicks. */
const RUNNING_LISTED = 20;

/** The runs in progress, newest first (by Temporal's visibility, on built-in attributes every server has). */
export async function runningReconciliations(temporal: Pick<TemporalTarget, 'client'>): Promise<RunningReconciliation[]> {
  const running: RunningReconciliation[] = [];
  const query = `WorkflowType = '${reconciliationWorkflowType}' AND ExecutionStatus = 'Running'`;
  for await (const run of temporal.client.workflow.list({ query })) {
    running.push({ id: manualReconciliationIdOf(run.workflowId), workflowId: run.workflowId, since: run.startTime });
    if (running.length === RUNNING_LISTED) break;
  }
  return running.sort((a, b) => b.since.getTime() - a.since.getTime());
}
