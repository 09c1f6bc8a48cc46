/** The one way into the bet event workflow: start it with its event, wake it on a state change, ask its progress. */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Connection } from '@temporalio/client';
import type { SettlementProgress } from '../../domain/betting/events.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { betEventWorkflow } from '../../workflows/betting/workflow.js';
import {
  betEventChangedSignal,
  betEventSearchAttributes,
  betEventWorkflowId,
  betSettlementProgressQuery,
} from '../../workflows/betting/messages.js';

interface BetEventClientDeps {
  temporal: TemporalTarget & { connection: Connection };
  log: Logger;
}

const startOptions = (deps: BetEventClientDeps, eventId: string) => ({
  taskQueue: deps.temporal.taskQueue,
  workflowId: betEventWorkflowId(eventId),
  args: [{ eventId }] as [{ eventId: string }],
  // a failed settlement can be started again by repeating the state change; a finished one is never redone
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const,
  typedSearchAttributes: betEventSearchAttributes,
});

function unavailable(error: unknown): DomainError {
  return new DomainError(
    ErrorCode.Unavailable,
    `Temporal is unavailable: ${error instanceof Error ? error.message : String(error)}`,
  );
}

/** Starts a new event's workflow. */
export async function startBetEventWorkflow(deps: BetEventClientDeps, eventId: string): Promise<void> {
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
export async function signalBetEventChanged(deps: BetEventClientDeps, eventId: string): Promise<void> {
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
export async function settlementProgress(deps: BetEventClientDeps, eventId: string): Promise<SettlementProgress | null> {
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
