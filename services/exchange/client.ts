/**
 * The one way into the exchange's workflows: the per-pair market workflows (halt/resume Updates, state) and the
 * trigger orders' workflows (start after commit, the fired signal, the cancel Update).
 */
import { WorkflowIdConflictPolicy, WorkflowNotFoundError } from '@temporalio/client';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import type { TriggerLegKind } from '../../domain/exchange/triggers.js';
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
import {
  cancelTriggerUpdate,
  triggerFailedSignal,
  triggerFiredSignal,
  triggerSearchAttributes,
  triggerWorkflowId,
  triggerWorkflowType,
  type TriggerState,
  type TriggerWorkflow,
} from '../../workflows/exchange/trigger/messages.js';
import { startMissed, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import { isTemporalUnavailable } from '../../platform/temporal/unavailable.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { markTriggerWorkflowStarted, unstartedTriggers, type StoredTrigger } from './triggers-store.js';

/** Operators switch a pair on and off (spot trading and fast exchange alike). */
export { setPairEnabled } from './pairs-store.js';
/** Operators' dashboard charts the trades. */
export { tradeVolumeByDay } from './trade-volume.js';
/** What open orders and pending triggers hold against the order escrow: the ledger audit checks them equal. */
export { heldFunds, pairsUnsettledBefore } from './journal.js';
/** Operators' console: every user's orders and pending triggers, an order's fills. */
export {
  orderById,
  ordersForOperators,
  tradesOfOrder,
  type OrderFilter,
  type StoredOrder,
  type StoredTrade,
} from './orders-store.js';
export { pendingTriggersForOperators, type StoredTrigger } from './triggers-store.js';
/** Each pair's last trade: rates with a `market` source are priced at it. */
export { lastTrades, type LastTrade } from './last-trades.js';

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
    if (isTemporalUnavailable(error)) throw error; // a 503 to retry, not the operator's mistake
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

/** Stored triggers and their workflows, for storeThenStart and startMissed. */
export function triggerOutbox(temporal: TemporalTarget, db: Db): WorkflowOutbox<StoredTrigger> {
  return {
    kind: 'trigger order',
    idOf: (t) => t.id,
    async start(t) {
      await temporal.client.workflow.start<TriggerWorkflow>(triggerWorkflowType, {
        taskQueue: temporal.taskQueue,
        workflowId: triggerWorkflowId(t.id),
        args: [{ triggerId: t.id }],
        workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
        typedSearchAttributes: triggerSearchAttributes(t),
      });
    },
    markStarted: (t) => markTriggerWorkflowStarted(db, t.id),
    unstarted: (graceSeconds) => unstartedTriggers(db, graceSeconds),
  };
}

/** The worker's sweep: starts the workflows of triggers the API did not start. */
export function startUnstartedTriggers(temporal: TemporalTarget, db: Db, log: Logger, graceSeconds: number): Promise<number> {
  return startMissed(triggerOutbox(temporal, db), graceSeconds, log);
}

/** The engine process's word to a trigger its book fired (and only to it): the order it placed, by which leg. */
export async function signalTriggerFired(
  temporal: Pick<TemporalTarget, 'client'>,
  triggerId: number,
  orderId: string,
  leg: TriggerLegKind,
): Promise<void> {
  await temporal.client.workflow.getHandle(triggerWorkflowId(String(triggerId))).signal(triggerFiredSignal, { orderId, leg });
}

/** The engine process's word to a trigger that fired but whose order was refused for good: it ended failed. */
export async function signalTriggerFailed(
  temporal: Pick<TemporalTarget, 'client'>,
  triggerId: number,
  reason: string,
): Promise<void> {
  await temporal.client.workflow.getHandle(triggerWorkflowId(String(triggerId))).signal(triggerFailedSignal, { reason });
}

/** The owner cancels a pending trigger: its workflow releases the hold (unless it fired first). */
export async function cancelTriggerOrder(
  temporal: Pick<TemporalTarget, 'client'>,
  triggerId: string,
  by: string,
): Promise<TriggerState> {
  const handle = temporal.client.workflow.getHandle<TriggerWorkflow>(triggerWorkflowId(triggerId));
  try {
    return await handle.executeUpdate(cancelTriggerUpdate, { args: [{ by }] });
  } catch (error) {
    if (isTemporalUnavailable(error)) throw error; // a 503 to retry: the trigger may well be open
    const cause = (error as { cause?: { message?: string } }).cause;
    throw new DomainError(ErrorCode.OrderNotOpen, cause?.message ?? 'the trigger cannot be cancelled');
  }
}
