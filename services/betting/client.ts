/**
 * The one way into the bet event workflow: start it once its event is stored, wake it on a state change, ask its
 * progress. An event's workflow starts through the outbox (platform/temporal/start-after-commit.ts): the event commits
 * with workflow_started = false, the API starts the workflow right after, and the worker's sweep
 * (`startUnstartedBetEvents`) starts any the API missed.
 */
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type Connection } from '@temporalio/client';
import { isOutcome, type SettlementProgress } from '../../domain/betting/events.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db, Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { startMissed, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  betEventChangedSignal,
  betEventSearchAttributes,
  betEventWorkflowId,
  betSettlementProgressQuery,
  betEventWorkflowType,
  type BetEventWorkflow,
} from '../../workflows/betting/messages.js';
import { markWorkflowStarted } from '../../platform/db/workflow-outbox.js';
import { tallyBets } from './bets-store.js';
import type { BetEventCache } from './event-cache.js';
import { changeBetEvent, unstartedBetEvents, type BetEvent, type BetEventChange, type BetEventChanger } from './events-store.js';

/** Operators' console reads events and their bets. */
export { betEventById, listBetEvents, type BetEvent } from './events-store.js';
export { betsOfEvent, type Bet } from './bets-store.js';

interface BetEventClientDeps {
  temporal: TemporalTarget & { connection: Connection };
  log: Logger;
}

const startOptions = (taskQueue: string, eventId: string) => ({
  taskQueue,
  workflowId: betEventWorkflowId(eventId),
  args: [{ eventId }] as [{ eventId: string }],
  // a failed settlement can be started again by repeating the state change; a finished one is never redone
  workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' as const,
  typedSearchAttributes: betEventSearchAttributes,
});

/** Published events and their workflows, for storeThenStart and startMissed. */
export function betEventOutbox(temporal: TemporalTarget, db: Db): WorkflowOutbox<BetEvent> {
  return {
    kind: 'bet event',
    idOf: (event) => event.id,
    async start(event) {
      await temporal.client.workflow.start<BetEventWorkflow>(betEventWorkflowType, {
        ...startOptions(temporal.taskQueue, event.id),
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    },
    markStarted: (event) => markWorkflowStarted(db, 'bet_events', event.id),
    unstarted: (graceSeconds) => unstartedBetEvents(db, graceSeconds),
  };
}

/** The worker's sweep: starts the workflows of events the API did not start (published more than `graceSeconds` ago). */
export async function startUnstartedBetEvents(
  client: Client,
  db: Db,
  taskQueue: string,
  log: Logger,
  graceSeconds: number,
): Promise<number> {
  return startMissed(betEventOutbox({ client, taskQueue }, db), graceSeconds, log);
}

/**
 * Tells the event's workflow its state changed (starting it if it is somehow not running). Best effort: the workflow
 * also polls the event, so a signal lost here delays settlement by at most its poll interval.
 */
export async function signalBetEventChanged(deps: BetEventClientDeps, eventId: string): Promise<void> {
  try {
    await deps.temporal.client.workflow.signalWithStart<BetEventWorkflow>(betEventWorkflowType, {
      ...startOptions(deps.temporal.taskQueue, eventId),
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

/**
 * An event's settlement progress: its workflow's answer, or for an event whose workflow is gone (retention) or cannot
 * answer, the same view from the database.
 */
export async function settlementProgressOf(
  deps: BetEventClientDeps & { sql: Db },
  event: BetEvent,
): Promise<{ progress: SettlementProgress; source: 'workflow' | 'database' }> {
  const fromWorkflow = await settlementProgress(deps, event.id);
  if (fromWorkflow) return { progress: fromWorkflow, source: 'workflow' };
  const phase = event.settledAt ? 'settled' : isOutcome(event.state) ? 'settling' : event.bookClosedAt ? 'closed' : 'open';
  const progress: SettlementProgress = {
    eventId: event.id,
    phase,
    outcome: isOutcome(event.state) ? event.state : null,
    pages: 0,
    tally: await tallyBets(deps.sql, event.id),
    settlingSince: event.finishedAt?.toISOString() ?? null,
    settledAt: event.settledAt?.toISOString() ?? null,
  };
  return { progress, source: 'database' };
}

export interface BetEventChangeDeps extends BetEventClientDeps {
  sql: Sql;
  betting: { events: Pick<BetEventCache, 'forget'> };
}

/**
 * Sets an event's result or coefficient (line providers through the API, operators there and in the console), recording
 * who set the result, and wakes its workflow to settle. Another line provider's event is missing to a line provider (a
 * 404, as other users' rows are). A repeated result signals again: the retry of a request whose signal was lost.
 */
export async function changeBetEventBy(
  deps: BetEventChangeDeps,
  by: BetEventChanger,
  id: string,
  change: BetEventChange,
): Promise<BetEvent> {
  const result = await changeBetEvent(deps.sql, id, change, by);
  if (!result) throw new DomainError(ErrorCode.NotFound, 'no such event');
  deps.betting.events.forget(id);
  if (result.stateChanged) deps.log.info({ event: id, state: result.event.state, by: by.id }, 'bet event result set');
  if (change.state !== undefined && isOutcome(result.event.state)) await signalBetEventChanged(deps, id);
  return result.event;
}
