/**
 * The one way into the XRPL backfill workflow (request a backfill of an account, ask how one is doing), and other
 * features' way to have an account of theirs watched.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { isCustodyAddress } from '../reconciliation/client.js';
import { accountByAddress, unwatchAccount, watchAccount, type XrplAccount } from './accounts-store.js';
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

/** Whether a payment to this address and tag would be a deposit, and whose (a withdrawal asks before it pays). */
export { depositDecisionFor } from './deposit-decision.js';
/** Operators' reads: watched accounts and stored payments. */
export { accountByAddress, listAccounts, type XrplAccount } from './accounts-store.js';
export {
  listPayments,
  paymentByHash,
  unmatchedPaymentCount,
  type PaymentFilter,
  type PaymentPosition,
  type StoredPayment,
} from './payments-store.js';

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

/**
 * An account of ours whose payments the listener must report (a hot wallet's payouts and top-ups): watched, and
 * backfilled while its history is not known complete. The listener fills an account's gaps after a reconnect, and
 * records it complete, only once a backfill has completed; watched alone, it was backfilled only by a listener
 * starting after it, and until then what it paid or received while the listener was away was never read.
 */
export async function watchOwnAccount(
  sql: Sql,
  temporal: TemporalTarget,
  account: { address: string; label: string },
): Promise<void> {
  const watched = (await watchAccount(sql, account)) ?? (await accountByAddress(sql, account.address));
  if (watched?.completeThroughLedger === null) await requestBackfill(temporal, account.address, 'incremental', account.label);
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

/** A watched account, or NotFound naming the address. */
export async function requireWatchedAccount(sql: Sql, address: string): Promise<XrplAccount> {
  const account = await accountByAddress(sql, address);
  if (!account)
    throw new DomainError(ErrorCode.NotFound, `${address} is not watched`, [{ path: 'address', message: 'is not watched' }]);
  return account;
}

/** An operator watches an account: stored, then its whole history backfilled; all or nothing. */
export async function addWatchedAccount(
  sql: Sql,
  temporal: TemporalTarget,
  log: Logger,
  request: { address: string; label: string | null; operator: { id: string; email: string } },
): Promise<XrplAccount> {
  const account = await watchAccount(sql, { address: request.address, label: request.label });
  if (!account)
    throw new DomainError(ErrorCode.Conflict, `${request.address} is already watched`, [
      { path: 'address', message: 'is already watched' },
    ]);
  try {
    await requestBackfill(temporal, account.address, 'full', request.operator.email);
  } catch (error) {
    // an account without its backfill would have a history nobody fetches; the error stays what it is (an unreachable
    // Temporal is the error handler's 503 to retry, anything else a failure of ours)
    await unwatchAccount(sql, account.address);
    throw error;
  }
  log.info({ account: account.address, operator: request.operator.id }, 'XRPL account watched');
  return account;
}

/**
 * An operator stops watching an account (never the deposit address, nor a custody wallet: the hot wallet's payouts
 * and top-ups are read from its payments); its stored payments go with it.
 */
export async function removeWatchedAccount(
  sql: Sql,
  temporal: TemporalTarget,
  log: Logger,
  request: { address: string; operatorId: string },
): Promise<void> {
  const account = await requireWatchedAccount(sql, request.address);
  if (account.isDepositAddress) {
    throw new DomainError(ErrorCode.Conflict, `${account.address} is the deposit address; users' deposits arrive there`, [
      { path: 'address', message: 'is the deposit address' },
    ]);
  }
  if (await isCustodyAddress(sql, 'xrpl', account.address)) {
    throw new DomainError(
      ErrorCode.Conflict,
      `${account.address} is a custody wallet of ours; its payouts and top-ups are booked from its payments`,
      [{ path: 'address', message: 'is a custody wallet' }],
    );
  }
  if (!(await unwatchAccount(sql, account.address))) return;
  // a backfill still paging would otherwise carry on for a later account of the same address
  await stopBackfill(temporal, account.address, 'account removed').catch((error) =>
    log.warn({ err: error, account: account.address }, 'could not stop the backfill; it stops itself at its next page'),
  );
  log.info({ account: account.address, operator: request.operatorId }, 'XRPL account removed');
}

/** An operator backfills an account's whole history again; joins a backfill that is already running. */
export async function resyncAccount(
  sql: Sql,
  temporal: TemporalTarget,
  request: { address: string; operatorEmail: string },
): Promise<{ workflowId: string; runId: string }> {
  const account = await requireWatchedAccount(sql, request.address);
  return requestBackfill(temporal, account.address, 'full', request.operatorEmail);
}
