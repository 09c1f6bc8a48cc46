/** EVM deposit activities: what the listener recorded about a deposit, and handing its wallet to the collector. */
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Sql } from '../../platform/db/client.js';
import { observationOf } from '../../services/deposits/evm-observations.js';
import { collectorWorkflowId } from '../../workflows/collection/collector/messages.js';
import { ErrorCode } from '../../domain/errors.js';
import { evmCollectorWorkflow } from '../../workflows/collection/collector/workflow.js';
import { walletCreditedSignal } from '../../workflows/collection/collector/messages.js';
import { Chain, SluiceKind } from '../../platform/temporal/search-attributes.js';

export interface TemporalContext {
  client: Client;
  taskQueue: string;
}

export function createEvmDepositActivities(deps: { sql: Sql; temporal: TemporalContext }) {
  return {
    /** The listener's record of the deposit: seen (confirming), confirmed (final) or dropped (reorged out). */
    async depositObservation(depositId: string) {
      const observation = await observationOf(deps.sql, depositId);
      if (!observation) throw ApplicationFailure.nonRetryable(`no EVM observation of deposit ${depositId}`, ErrorCode.NotFound);
      return observation;
    },

    /** Starts the wallet's collector, or wakes the running one: one collector per wallet, ever. */
    async wakeCollector(wallet: { chain: string; address: string }): Promise<void> {
      await deps.temporal.client.workflow.signalWithStart(evmCollectorWorkflow, {
        workflowId: collectorWorkflowId(wallet.chain, wallet.address),
        taskQueue: deps.temporal.taskQueue,
        args: [{ chain: wallet.chain, address: wallet.address.toLowerCase() }],
        signal: walletCreditedSignal,
        signalArgs: [],
        typedSearchAttributes: [
          { key: SluiceKind, value: 'evm-collector' },
          { key: Chain, value: wallet.chain },
        ],
      });
    },
  };
}
