/** The API's side of the bet event workflow: start it with its event, wake it on a state change, ask its progress. */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { type SettlementProgress } from '../../domain/betting/events.js';
import { betEventWorkflowId } from '../../workflows/betting/messages.js';
import { ErrorCode } from '../../domain/errors.js';
import { betEventWorkflow } from '../../workflows/betting/workflow.js';
import { betEventChangedSignal, betSettlementProgressQuery } from '../../workflows/betting/messages.js';
import { SluiceKind, SluiceStatus } from '../../platform/temporal/search-attributes.js';
import type { ApiDeps } from '../../api/http/context.js';
import { ApiError } from '../../api/http/problem.js';

const startOptions = (deps: ApiDeps, eventId: string) => ({
  taskQueue: deps.temporal.taskQueue,
  workflowId: betEventWorkflowId(eventId),
  args: [{ eventId }] as [{ eventId: string }],
  // a failed settlement can be started again by repeating the state change; a finished one is never redone
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const,
  typedSearchAttributes: [
    { key: SluiceKind, value: 'bet-event' },
    { key: SluiceStatus, value: 'open' },
  ],
});

function unavailable(error: unknown): ApiError {
  return new ApiError(
    ErrorCode.Unavailable,
    `Temporal is unavailable: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** Starts a new event's workflow. */
export async function startBetEventWorkflow(deps: ApiDeps, eventId: string): Promise<void> {
  try {
    await deps.temporal.client.workflow.start(betEventWorkflow, startOptions(deps, eventId));
  } catch (error) {
    throw unavailable(error);
  }
}

/**
 * Tells the event's workflow its state changed (starting it if it is somehow not running). Best effort: the workflow
 * also polls the event, so a signal lost here delays settlement by at most its poll interval.
 */
export async function signalBetEventChanged(deps: ApiDeps, eventId: string): Promise<void> {
  try {
    await deps.temporal.client.workflow.signalWithStart(betEventWorkflow, {
      ...startOptions(deps, eventId),
      signal: betEventChangedSignal,
      signalArgs: [],
    });
  } catch (error) {
    if (error instanceof WorkflowExecutionAlreadyStartedError) return;
    deps.log.warn(
      { err: error, event: eventId },
      'could not signal the bet event workflow; it will see the change when it next polls',
    );
  }
}

const QUERY_DEADLINE_MS = 5_000;

/**
 * The workflow's settlement progress; null when it has no workflow (any more) or cannot answer now (no worker,
 * Temporal down), so the caller can show what the database knows instead.
 */
export async function settlementProgress(deps: ApiDeps, eventId: string): Promise<SettlementProgress | null> {
  const handle = deps.temporal.client.workflow.getHandle(betEventWorkflowId(eventId));
  try {
    return await deps.temporal.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () =>
      handle.query(betSettlementProgressQuery),
    );
  } catch (error) {
    if (!(error instanceof WorkflowNotFoundError))
      deps.log.warn({ err: error, event: eventId }, 'the bet event workflow did not answer its progress query');
    return null;
  }
}
