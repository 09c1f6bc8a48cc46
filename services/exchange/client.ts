/** The one way into the exchange's workflows: the per-pair market workflows, their halt/resume Updates and state. */
import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  haltMarketUpdate,
  marketSearchAttributes,
  marketStateQuery,
  marketWorkflowId,
  marketWorkflowType,
  resumeMarketUpdate,
  type MarketWorkflow,
  type MarketWorkflowState,
} from '../../workflows/exchange/market/messages.js';

/** Starts each pair's market workflow unless it runs already (the worker does this at start-up). */
export async function ensureMarketWorkflows(
  temporal: TemporalTarget,
  pairs: string[],
  checkpointEveryMs?: number,
): Promise<void> {
  for (const pair of pairs) {
    await temporal.client.workflow.start<MarketWorkflow>(marketWorkflowType, {
      taskQueue: temporal.taskQueue,
      workflowId: marketWorkflowId(pair),
      args: [{ pair, checkpointEveryMs }],
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
      typedSearchAttributes: marketSearchAttributes,
    });
  }
}

async function handleOf(temporal: Pick<TemporalTarget, 'client'>, pair: string) {
  const handle = temporal.client.workflow.getHandle<MarketWorkflow>(marketWorkflowId(pair));
  try {
    await handle.describe();
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new DomainError(ErrorCode.NotFound, `no market workflow for ${pair}`);
    throw error;
  }
  return handle;
}

/** An Update refused by the workflow's validator is the operator's mistake: a conflict, with the validator's words. */
async function decide(run: () => Promise<MarketWorkflowState>): Promise<MarketWorkflowState> {
  try {
    return await run();
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause;
    throw new DomainError(ErrorCode.Conflict, cause?.message ?? (error instanceof Error ? error.message : String(error)));
  }
}

export async function haltMarket(temporal: Pick<TemporalTarget, 'client'>, pair: string, reason: string, by: string) {
  const handle = await handleOf(temporal, pair);
  return decide(() => handle.executeUpdate(haltMarketUpdate, { args: [{ reason, by }] }));
}

export async function resumeMarket(temporal: Pick<TemporalTarget, 'client'>, pair: string, by: string) {
  const handle = await handleOf(temporal, pair);
  return decide(() => handle.executeUpdate(resumeMarketUpdate, { args: [{ by }] }));
}

export async function marketWorkflowState(temporal: Pick<TemporalTarget, 'client'>, pair: string) {
  return (await handleOf(temporal, pair)).query(marketStateQuery);
}
