/**
 * The one way into the XRPL backfill workflow (request a backfill of an account, ask how one is doing), and other
 * features' way to have an account of theirs watched.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  xrplBackfillSearchAttributes,
  xrplBackfillStatusQuery,
  xrplBackfillWorkflowId,
  xrplResyncSignal,
  type BackfillMode,
  type XrplBackfillInput,
  type XrplBackfillStatus,
  type XrplResync,
  xrplBackfillWorkflowType,
  type XrplBackfillWorkflow,
} from '../../workflows/xrpl-tracking/messages.js';

/** For an account whose payments the listener must report (a hot wallet's payouts); a no-op if it is already watched. */
export { watchAccount } from './accounts-store.js';

/**
 * A backfill of one account. `full` (account added, resync) pages its whole history and joins a running backfill,
 * turning an incremental one into a full one; `incremental` (start-up) pages from where the history is known to be
 * complete, and joins whatever runs.
 */
export async function requestBackfill(
  temporal: TemporalTarget,
  address: string,
  mode: BackfillMode,
  requestedBy: string,
): Promise<{ workflowId: string; runId: string }> {
  const options = {
    workflowId: xrplBackfillWorkflowId(address),
    taskQueue: temporal.taskQueue,
    args: [{ address, mode }] as [XrplBackfillInput],
    typedSearchAttributes: xrplBackfillSearchAttributes,
  };
  if (mode === 'incremental') {
    const handle = await temporal.client.workflow.start<XrplBackfillWorkflow>(xrplBackfillWorkflowType, {
      ...options,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }
  const handle = await temporal.client.workflow.signalWithStart<XrplBackfillWorkflow, [XrplResync]>(xrplBackfillWorkflowType, {
    ...options,
    signal: xrplResyncSignal,
    signalArgs: [{ requestedBy }],
  });
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}

/** The account's latest backfill as its workflow reports it (the workflow may have completed). */
export async function backfillStatus(temporal: Pick<TemporalTarget, 'client'>, address: string): Promise<XrplBackfillStatus> {
  return temporal.client.workflow.getHandle(xrplBackfillWorkflowId(address)).query(xrplBackfillStatusQuery);
}

/** Stops the account's backfill, if one runs (a removed account's pages would otherwise carry on). */
export async function stopBackfill(temporal: Pick<TemporalTarget, 'client'>, address: string, reason: string): Promise<void> {
  try {
    await temporal.client.workflow.getHandle(xrplBackfillWorkflowId(address)).terminate(reason);
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError)) throw error;
  }
}
