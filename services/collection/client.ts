/**
 * The one way into the collection workflows: the gas keeper (kept running from worker start-up, asked for gas by
 * collectors, queried by operators) and the collectors (woken by credited deposits).
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { GasKeeperSettings } from '../../chains/evm/context.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  collectorSearchAttributes,
  collectorWorkflowId,
  walletCreditedSignal,
  evmCollectorWorkflowType,
  type EvmCollectorWorkflow,
} from '../../workflows/collection/collector/messages.js';
import {
  gasFundingWantedSignal,
  gasKeeperSearchAttributes,
  gasKeeperStatusQuery,
  gasKeeperWorkflowId,
  type GasKeeperStatus,
  gasKeeperWorkflowType,
  type GasKeeperWorkflow,
} from '../../workflows/collection/gas-keeper/messages.js';

/** Operators' console lists the sweeps. */
export { listSweeps, type SweepListItem } from './sweeps-store.js';

const gasKeeperStart = (temporal: TemporalTarget, chain: string, settings: GasKeeperSettings) => ({
  workflowId: gasKeeperWorkflowId(chain),
  taskQueue: temporal.taskQueue,
  args: [{ chain, settings }] as [{ chain: string; settings: GasKeeperSettings }],
  workflowIdConflictPolicy: 'USE_EXISTING' as const,
  typedSearchAttributes: gasKeeperSearchAttributes(chain),
});

/** The chain's gas keeper runs from the moment a worker does. */
export async function ensureGasKeeper(temporal: TemporalTarget, chain: string, settings: GasKeeperSettings, log: Logger) {
  try {
    await temporal.client.workflow.start<GasKeeperWorkflow>(gasKeeperWorkflowType, gasKeeperStart(temporal, chain, settings));
    log.info({ workflowId: gasKeeperWorkflowId(chain) }, 'gas keeper running');
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * Tells the gas keeper (started if it is not running) that sweeps wait for gas: it funds every sweep in `funding` on
 * its next tick, so asking again, or for many wallets at once, changes nothing.
 */
export async function wakeGasKeeper(temporal: TemporalTarget, chain: string, settings: GasKeeperSettings): Promise<void> {
  await temporal.client.workflow.signalWithStart<GasKeeperWorkflow>(gasKeeperWorkflowType, {
    ...gasKeeperStart(temporal, chain, settings),
    signal: gasFundingWantedSignal,
    signalArgs: [],
  });
}

/**
 * The keeper's status for operators, its `queue` listing every funding request not paid yet: those queued in the
 * workflow by an Update and the sweeps waiting for gas in the database.
 */
export async function gasKeeperStatus(
  temporal: Pick<TemporalTarget, 'client'>,
  chain: string,
): Promise<Omit<GasKeeperStatus, 'waiting'>> {
  const { waiting = [], ...status } = await temporal.client.workflow
    .getHandle(gasKeeperWorkflowId(chain))
    .query(gasKeeperStatusQuery);
  return { ...status, queue: [...status.queue, ...waiting] };
}

/** Starts the wallet's collector, or wakes the running one: one collector per wallet, ever. */
export async function wakeCollector(temporal: TemporalTarget, wallet: { chain: string; address: string }): Promise<void> {
  const input = { chain: wallet.chain, address: wallet.address.toLowerCase() };
  await temporal.client.workflow.signalWithStart<EvmCollectorWorkflow>(evmCollectorWorkflowType, {
    workflowId: collectorWorkflowId(wallet.chain, wallet.address),
    taskQueue: temporal.taskQueue,
    args: [input],
    signal: walletCreditedSignal,
    signalArgs: [],
    typedSearchAttributes: collectorSearchAttributes(input),
  });
}
