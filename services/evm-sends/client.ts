/**
 * The listener's word that one of Sluice's own EVM transactions is confirmed, delivered to every workflow the send
 * named (a collector, the gas keeper, a withdrawal). A workflow that already finished found out by polling.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { transactionConfirmedSignal, type TransactionConfirmed } from '../../workflows/evm-sends/messages.js';

export async function signalTransactionConfirmed(
  temporal: Pick<TemporalTarget, 'client'>,
  workflowIds: string[],
  confirmed: TransactionConfirmed,
): Promise<void> {
  for (const workflowId of workflowIds) {
    try {
      await temporal.client.workflow.getHandle(workflowId).signal(transactionConfirmedSignal, confirmed);
    } catch (error) {
      if (!(error instanceof WorkflowNotFoundError)) throw error;
    }
  }
}
