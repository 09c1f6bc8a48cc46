/**
 * How XRPL observations reach Temporal: a recorded deposit signals-with-start its workflow (then leaves the outbox),
 * and backfills are requested per account, joining one that already runs.
 */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Db } from '../../platform/db/client.js';
import { markSignalled, type DepositToSignal } from './payments-store.js';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { XRP_CURRENCY } from '../../domain/xrpl-tracking/payments.js';
import { xrplBackfillWorkflowId } from '../../workflows/xrpl-tracking/messages.js';
import { xrplDepositWorkflowId } from '../../workflows/deposits/xrpl/messages.js';
import { Chain, Currency, SluiceKind, SluiceStatus, UserId } from '../../platform/temporal/search-attributes.js';
import { xrplBackfillWorkflow } from '../../workflows/xrpl-tracking/workflow.js';
import { xrplResyncSignal, type BackfillMode } from '../../workflows/xrpl-tracking/messages.js';
import { withdrawalConfirmedSignal, withdrawalFailedSignal } from '../../workflows/withdrawals/messages.js';
import { xrplDepositWorkflow } from '../../workflows/deposits/xrpl/workflow.js';
import { xrplPaymentValidatedSignal } from '../../workflows/deposits/xrpl/messages.js';
import type { SeenPayout } from './store-payments.js';

export interface TemporalTarget {
  client: Client;
  taskQueue: string;
}

/**
 * Signals each deposit's workflow, starting it if needed, and marks the payments signalled. A deposit whose
 * workflow already completed is done (only a failed one may run again); a failure leaves the rest in the outbox.
 */
export async function signalDeposits(temporal: TemporalTarget, db: Db, deposits: DepositToSignal[]): Promise<void> {
  const signalled: string[] = [];
  try {
    for (const deposit of deposits) {
      try {
        await temporal.client.workflow.signalWithStart(xrplDepositWorkflow, {
          workflowId: xrplDepositWorkflowId(deposit.hash),
          taskQueue: temporal.taskQueue,
          args: [{ depositId: deposit.depositId, hash: deposit.hash }],
          signal: xrplPaymentValidatedSignal,
          signalArgs: [{ hash: deposit.hash, ledgerIndex: deposit.ledgerIndex }],
          workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
          typedSearchAttributes: [
            { key: SluiceKind, value: 'deposit' },
            { key: SluiceStatus, value: 'crediting' },
            { key: Chain, value: XRPL_CHAIN },
            { key: Currency, value: XRP_CURRENCY },
            { key: UserId, value: deposit.userId },
          ],
        });
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      }
      signalled.push(deposit.hash);
    }
  } finally {
    await markSignalled(db, signalled);
  }
}

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
    args: [{ address, mode }] as [Parameters<typeof xrplBackfillWorkflow>[0]],
    typedSearchAttributes: [
      { key: SluiceKind, value: 'xrpl-backfill' },
      { key: SluiceStatus, value: 'running' },
      { key: Chain, value: XRPL_CHAIN },
    ],
  };
  if (mode === 'incremental') {
    const handle = await temporal.client.workflow.start(xrplBackfillWorkflow, {
      ...options,
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    return { workflowId: handle.workflowId, runId: handle.firstExecutionRunId };
  }
  const handle = await temporal.client.workflow.signalWithStart(xrplBackfillWorkflow, {
    ...options,
    signal: xrplResyncSignal,
    signalArgs: [{ requestedBy }],
  });
  return { workflowId: handle.workflowId, runId: handle.signaledRunId };
}

/** Tells each withdrawal its payout was validated (or failed); the payout's key is the withdrawal's workflow ID. */
export async function signalPayouts(temporal: TemporalTarget, payouts: SeenPayout[]): Promise<void> {
  for (const payout of payouts) {
    const handle = temporal.client.workflow.getHandle(payout.key);
    if (payout.succeeded) await handle.signal(withdrawalConfirmedSignal, { txHash: payout.hash });
    else
      await handle.signal(withdrawalFailedSignal, { txHash: payout.hash, reason: `the ledger validated it as ${payout.result}` });
  }
}
