/**
 * The one way into withdrawal workflows. A request's workflow starts once its funds are held, through the outbox
 * (platform/temporal/start-after-commit.ts): the request commits with workflow_started = false, the API starts the
 * workflow right after, and the worker's sweep (`startUnstartedWithdrawals`) starts any the API missed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import { DomainError, ErrorCode, type FieldIssue } from '../../domain/errors.js';
import { refuseOwnAccount } from '../../domain/users-auth/own-account.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { startMissed, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { totpSecretOf } from '../users-auth/client.js';
import { markWorkflowStarted } from '../../platform/db/workflow-outbox.js';
import { replaceProviderRoutes, unstartedWithdrawals, withdrawalById, withdrawalEvents, type Withdrawal } from './store.js';
import { alreadyTaken, decisions, type Decision } from '../../domain/withdrawals/repeats.js';
import { operatorMayClose, statusWords, type WithdrawalStatus } from '../../domain/withdrawals/status.js';
import {
  approveWithdrawalUpdate,
  closeWithdrawalUpdate,
  rejectWithdrawalUpdate,
  withdrawalStateQuery,
  type CloseWithdrawal,
  type WithdrawalState,
  withdrawalConfirmedSignal,
  withdrawalFailedSignal,
  withdrawalSearchAttributes,
  withdrawalWorkflowId,
  type WithdrawalInput,
  withdrawalWorkflowType,
  type WithdrawalWorkflow,
} from '../../workflows/withdrawals/messages.js';
import type { Logger } from '../../platform/log.js';
import { ensurePaidBy, ensureUnpaid, type PayoutEvidenceDeps } from './payout-evidence.js';

/** Operators' reads: the queues, one withdrawal's history, the counts waiting on them, volumes per day, providers. */
export {
  listWithdrawals,
  providerRoutes,
  withdrawalEvents,
  withdrawalCounts,
  withdrawalVolumeByDay,
  type Withdrawal,
  type WithdrawalEvent,
} from './store.js';

export interface WithdrawalDeps {
  sql: Sql;
  temporal: TemporalTarget;
  timings: WithdrawalTimings;
  log: Logger;
}

export interface WithdrawalTimings {
  confirmTtlMs: number;
  approvalTtlMs: number;
  pollIntervalMs: number;
}

/** Held withdrawal requests and their workflows, for storeThenStart and startMissed. */
export function withdrawalOutbox(
  client: Client,
  db: Db,
  taskQueue: string,
  timings: WithdrawalTimings,
): WorkflowOutbox<Withdrawal> {
  return {
    kind: 'withdrawal',
    idOf: (w) => w.id,
    async start(w) {
      const totp = await totpSecretOf(db, w.userId);
      const input: WithdrawalInput = {
        id: w.id,
        userId: w.userId,
        currency: w.currency,
        approvalRequired: w.approvalRequired,
        totpRequired: totp.enabled,
        ...timings,
      };
      await client.workflow.start<WithdrawalWorkflow>(withdrawalWorkflowType, {
        taskQueue,
        workflowId: withdrawalWorkflowId(w.id),
        workflowIdConflictPolicy: 'USE_EXISTING',
        // a withdrawal that completed never runs again, whoever starts it late (the sweep racing a slow API)
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [input],
        typedSearchAttributes: withdrawalSearchAttributes(input),
      });
    },
    markStarted: (w) => markWorkflowStarted(db, 'withdrawals', w.id),
    unstarted: (graceSeconds) => unstartedWithdrawals(db, graceSeconds),
  };
}

/** The worker's sweep: starts the workflows of held withdrawals the API did not start (older than `graceSeconds`). */
export async function startUnstartedWithdrawals(
  client: Client,
  db: Db,
  taskQueue: string,
  timings: WithdrawalTimings,
  log: Logger,
  graceSeconds: number,
): Promise<number> {
  return startMissed(withdrawalOutbox(client, db, taskQueue, timings), graceSeconds, log);
}

const KNOWN_CODES = new Set<string>(Object.values(ErrorCode));

/**
 * Sends a decision (an Update) to a withdrawal's workflow; its refusals come back as domain errors with their code. One
 * whose workflow has ended is refused naming the status its row records.
 */
export async function updateWithdrawal<Ret, Arg>(
  deps: { sql: Db; temporal: Pick<TemporalTarget, 'client'> },
  id: string,
  update: UpdateDefinition<Ret, [Arg]>,
  arg: Arg,
): Promise<Ret> {
  const ended = async () => {
    const status = (await withdrawalById(deps.sql, id))?.status;
    const now = status ? `is ${statusWords(status)}` : 'is';
    return new DomainError(ErrorCode.Conflict, `the withdrawal ${now} and no longer in progress`);
  };
  try {
    return await deps.temporal.client.workflow.getHandle(withdrawalWorkflowId(id)).executeUpdate(update, { args: [arg] });
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw await ended();
    if (error instanceof WorkflowUpdateFailedError) {
      const cause = error.cause;
      if (cause instanceof ApplicationFailure && cause.type && KNOWN_CODES.has(cause.type)) {
        // a refusal about a field names it in its first detail
        throw new DomainError(cause.type as ErrorCode, cause.message, (cause.details?.[0] as FieldIssue[] | undefined) ?? []);
      }
      throw new DomainError(ErrorCode.Conflict, cause?.message ?? 'the withdrawal refused this');
    }
    // an update to a workflow that already completed is refused by the server
    if (error instanceof Error && /workflow execution already completed/i.test(error.message)) throw await ended();
    throw error;
  }
}

/** The status a decision led to when the withdrawal's history shows it taken already (domain/withdrawals/repeats.ts). */
export async function takenBefore(db: Db, id: string, decision: Decision): Promise<WithdrawalStatus | null> {
  return alreadyTaken(await withdrawalEvents(db, id), decision);
}

/** A few seconds: recording a decision takes the workflow a task and one activity. */
const RECORDING_WAIT_MS = 5_000;
const RECORDING_LOOK_MS = 100;

/**
 * Takes a decision once: one the history shows taken is answered as the first was (`firstAnswer`), any other is sent
 * to the workflow (`send`). A repeat that comes while the first is still being recorded (a client retrying after a
 * timeout) is refused by the workflow, which took the first: it waits, a few seconds at most, for the record and is
 * answered as the first. Any other refusal stands, a different decision's in that window too.
 */
export async function takeDecision<T>(
  db: Db,
  id: string,
  decision: Decision,
  firstAnswer: () => Promise<T | null>,
  send: () => Promise<T>,
): Promise<T> {
  const first = await firstAnswer();
  if (first !== null) return first;
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof DomainError) || error.code !== ErrorCode.Conflict) throw error;
    const recorded = await answerOnceRecorded(db, id, decision, firstAnswer);
    if (recorded === null) throw error;
    return recorded;
  }
}

/** The first's answer once recorded; null once the row shows another decision recorded, or when none was in time. */
async function answerOnceRecorded<T>(
  db: Db,
  id: string,
  decision: Decision,
  firstAnswer: () => Promise<T | null>,
): Promise<T | null> {
  const deadline = Date.now() + RECORDING_WAIT_MS;
  for (;;) {
    // the row first: a status and its event are recorded in one transaction, so a row moved on has its event read next
    const status = (await withdrawalById(db, id))?.status;
    const first = await firstAnswer();
    if (first !== null) return first;
    if (!status || !decision.takenIn.includes(status) || Date.now() >= deadline) return null;
    await sleep(RECORDING_LOOK_MS);
  }
}

export type PayoutOutcome = { confirmed: true; txHash: string } | { confirmed: false; txHash: string; reason: string };

/** The chain's word on a payout, from a listener: confirmed, or failed (reverted, dropped), which never counts as paid. */
export async function reportPayout(temporal: Pick<TemporalTarget, 'client'>, workflowId: string, outcome: PayoutOutcome) {
  const handle = temporal.client.workflow.getHandle(workflowId);
  if (outcome.confirmed) await handle.signal(withdrawalConfirmedSignal, { txHash: outcome.txHash });
  else await handle.signal(withdrawalFailedSignal, { txHash: outcome.txHash, reason: outcome.reason });
}

/** A withdrawal, or NotFound. */
export async function existingWithdrawal(db: Db, id: string): Promise<Withdrawal> {
  const w = await withdrawalById(db, id);
  if (!w) throw new DomainError(ErrorCode.NotFound, 'no such withdrawal');
  return w;
}

/** What the workflow says of itself now: its approval state, the provider it is on, the providers that failed. */
export function withdrawalState(temporal: Pick<TemporalTarget, 'client'>, id: string): Promise<WithdrawalState> {
  return temporal.client.workflow.getHandle(withdrawalWorkflowId(id)).query(withdrawalStateQuery);
}

/**
 * An operator's decision, taken by the withdrawal's workflow; answers the status it leads to. The same decision again
 * is answered as the first was.
 */
async function decide<Arg extends { operatorId: string }>(
  deps: WithdrawalDeps,
  id: string,
  update: UpdateDefinition<WithdrawalStatus, [Arg]>,
  arg: Arg,
  what: string,
  decision: Decision,
): Promise<WithdrawalStatus> {
  const withdrawal = await existingWithdrawal(deps.sql, id);
  refuseOwnAccount(arg.operatorId, withdrawal.userId, 'id', what);
  return takeDecision(
    deps.sql,
    id,
    decision,
    () => takenBefore(deps.sql, id, decision),
    () => updateWithdrawal(deps, id, update, arg),
  );
}

export function approveWithdrawal(deps: WithdrawalDeps, operatorId: string, id: string): Promise<WithdrawalStatus> {
  return decide(deps, id, approveWithdrawalUpdate, { operatorId }, 'approving a withdrawal', decisions.approval(operatorId));
}

export function rejectWithdrawal(
  deps: WithdrawalDeps,
  operatorId: string,
  id: string,
  reason: string,
): Promise<WithdrawalStatus> {
  return decide(
    deps,
    id,
    rejectWithdrawalUpdate,
    { operatorId, reason },
    'rejecting a withdrawal',
    decisions.rejection(operatorId, reason),
  );
}

/**
 * An operator closes a withdrawal that failed or never got a final status: succeeded posts the hold, failed releases
 * it. Succeeded only with a transaction the withdrawal's chain shows paying it, failed only while its own payout can no
 * longer pay it (payout-evidence.ts). The same close again is answered as the first was.
 */
export async function closeWithdrawal(
  deps: WithdrawalDeps & PayoutEvidenceDeps,
  id: string,
  close: CloseWithdrawal,
): Promise<WithdrawalStatus> {
  const withdrawal = await existingWithdrawal(deps.sql, id);
  refuseOwnAccount(close.operatorId, withdrawal.userId, 'id', 'closing a withdrawal');
  const { operatorId, outcome, note, txHash } = close;
  const decision = decisions.close(operatorId, { outcome, note, txHash });
  return takeDecision(
    deps.sql,
    id,
    decision,
    () => takenBefore(deps.sql, id, decision),
    async () => {
      // one that cannot be closed is refused by its workflow, as it stands (a 409), not for its evidence
      if (operatorMayClose(withdrawal.status)) {
        if (close.outcome === 'succeeded') await ensurePaidBy(deps, withdrawal, close.txHash);
        else await ensureUnpaid(deps, withdrawal);
      }
      const status = await updateWithdrawal(deps, id, closeWithdrawalUpdate, close);
      deps.log.info({ operator: close.operatorId, withdrawal: id, outcome: close.outcome }, 'withdrawal closed by an operator');
      return status;
    },
  );
}

/** Sets a currency's provider order (first is tried first) and which are enabled. */
export async function setProviderOrder(
  deps: WithdrawalDeps,
  operatorId: string,
  currency: string,
  providers: Array<{ id: string; enabled: boolean }>,
): Promise<void> {
  if (new Set(providers.map((p) => p.id)).size !== providers.length) {
    const message = 'lists a provider twice';
    throw new DomainError(ErrorCode.ValidationFailed, `providers ${message}`, [{ path: 'providers', message }]);
  }
  await replaceProviderRoutes(
    deps.sql,
    currency,
    providers.map((p) => ({ providerId: p.id, enabled: p.enabled })),
  );
  deps.log.info({ operator: operatorId, currency, providers }, 'provider order changed');
}
