/**
 * The one way into the collection workflows: the sweeper and the gas keeper of a chain, both kept running from worker
 * start-up; the sweeper is woken by credited deposits and wakes the keeper for gas; operators query both.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { GasKeeperSettings } from '../../chains/evm/context.js';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  evmSweeperWorkflowType,
  sweeperSearchAttributes,
  sweeperStatusQuery,
  sweeperWorkflowId,
  walletsCreditedSignal,
  type EvmSweeperWorkflow,
  type SweeperStatus,
} from '../../workflows/collection/sweeper/messages.js';
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
 * Tells the running gas keeper that token deposits are confirming (the listener's outbox): its next tick funds their
 * wallets early. A plain signal (the worker started the keeper; the outbox knows no keeper settings to start it with).
 */
export async function nudgeGasKeeper(temporal: Pick<TemporalTarget, 'client'>, chain: string): Promise<void> {
  await temporal.client.workflow.getHandle(gasKeeperWorkflowId(chain)).signal(gasFundingWantedSignal);
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

const sweeperStart = (temporal: TemporalTarget, chain: string) => ({
  workflowId: sweeperWorkflowId(chain),
  taskQueue: temporal.taskQueue,
  args: [{ chain }] as [{ chain: string }],
  workflowIdConflictPolicy: 'USE_EXISTING' as const,
  typedSearchAttributes: sweeperSearchAttributes(chain),
});

/** The chain's sweeper runs from the moment a worker does. */
export async function ensureSweeper(temporal: TemporalTarget, chain: string, log: Logger) {
  try {
    await temporal.client.workflow.start<EvmSweeperWorkflow>(evmSweeperWorkflowType, sweeperStart(temporal, chain));
    log.info({ workflowId: sweeperWorkflowId(chain) }, 'sweeper running');
  } catch (error) {
    if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
  }
}

/**
 * Tells the chain's sweeper (started if it is not running) that deposits to these wallets were credited or dropped:
 * its next tick plans their sweeps. One signal for many wallets; asking again for a wallet changes nothing.
 */
export async function wakeSweeper(temporal: TemporalTarget, chain: string, addresses: string[]): Promise<void> {
  await temporal.client.workflow.signalWithStart<EvmSweeperWorkflow, [{ addresses: string[] }]>(evmSweeperWorkflowType, {
    ...sweeperStart(temporal, chain),
    signal: walletsCreditedSignal,
    signalArgs: [{ addresses: addresses.map((a) => a.toLowerCase()) }],
  });
}

/** The sweeper's status for operators: wallets to plan, and what its last tick did and could not do. */
export async function sweeperStatus(temporal: Pick<TemporalTarget, 'client'>, chain: string): Promise<SweeperStatus> {
  return temporal.client.workflow.getHandle(sweeperWorkflowId(chain)).query(sweeperStatusQuery);
}
