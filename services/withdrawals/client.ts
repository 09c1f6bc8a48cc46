/**
 * Starting a withdrawal's workflow once its funds are held. The API starts it right after the hold commits; should
 * the API die in between, the worker's sweep finds the request (workflow_started = false) and starts it. The
 * workflow ID is the business key, so starting twice joins the first.
 */
import type { Client } from '@temporalio/client';
import type { Db } from '../../platform/db/client.js';
import { totpSecretOf } from '../users-auth/users-store.js';
import { markWorkflowStarted, unstartedWithdrawals, type Withdrawal } from './store.js';
import { ApprovalState, Currency, SluiceKind, SluiceStatus, UserId } from '../../platform/temporal/search-attributes.js';
import { withdrawalWorkflow } from '../../workflows/withdrawals/workflow.js';
import type { Logger } from '../../platform/log.js';

export interface WithdrawalTimings {
  confirmTtlMs: number;
  approvalTtlMs: number;
  pollIntervalMs: number;
}

export const withdrawalWorkflowId = (id: string) => `withdrawal:${id}`;

export async function startWithdrawalWorkflow(
  client: Client,
  db: Db,
  taskQueue: string,
  w: Withdrawal,
  timings: WithdrawalTimings,
): Promise<void> {
  const totp = await totpSecretOf(db, w.userId);
  await client.workflow.start(withdrawalWorkflow, {
    taskQueue,
    workflowId: withdrawalWorkflowId(w.id),
    workflowIdConflictPolicy: 'USE_EXISTING',
    args: [
      {
        id: w.id,
        userId: w.userId,
        currency: w.currency,
        approvalRequired: w.approvalRequired,
        totpRequired: totp.enabled,
        ...timings,
      },
    ],
    typedSearchAttributes: [
      { key: SluiceKind, value: 'withdrawal' },
      { key: SluiceStatus, value: 'awaiting_confirmation' },
      { key: ApprovalState, value: w.approvalRequired ? 'pending' : 'not_required' },
      { key: Currency, value: w.currency },
      { key: UserId, value: w.userId },
    ],
  });
  await markWorkflowStarted(db, w.id);
}

/** Starts the workflows of held withdrawals whose API process died before it could (older than `graceSeconds`). */
export async function startUnstartedWithdrawals(
  client: Client,
  db: Db,
  taskQueue: string,
  timings: WithdrawalTimings,
  log: Logger,
  graceSeconds: number,
): Promise<number> {
  const pending = await unstartedWithdrawals(db, graceSeconds);
  for (const w of pending) {
    await startWithdrawalWorkflow(client, db, taskQueue, w, timings);
    log.warn({ withdrawal: w.id }, 'started a withdrawal workflow the API had not started');
  }
  return pending.length;
}
