/** Gas funding of token sweeps: asking the gas keeper for the sweep's gas, and following its funding send. */
import { WithStartWorkflowOperation } from '@temporalio/client';
import { updateSweep, type Sweep } from '../../../services/collection/sweeps-store.js';
import { collectorWorkflowId, gasKeeperWorkflowId } from '../../../domain/collection/rules.js';
import { Chain, SluiceKind } from '../../../platform/temporal/search-attributes.js';
import { fundGasUpdate, gasKeeperWorkflow } from '../../../workflows/collection/gas-keeper/workflow.js';
import type { TemporalContext } from '../../deposits/evm.js';
import { gasOf, loadSweep, type CollectorDeps } from './context.js';

/** Asking for gas starts or updates the gas keeper's workflow. */
export interface GasFundingDeps extends CollectorDeps {
  temporal: TemporalContext;
}

/** The gas keeper's request id, and the sender's key for its funding send. */
const fundingKey = (s: Sweep) => `sweep:${s.chain}:${s.id}:funding`;

/** Asks the gas keeper (started if it is not running) for the sweep's gas; asking again changes nothing. */
export async function requestGasFunding(deps: GasFundingDeps, id: string): Promise<void> {
  const { evm, temporal } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status !== 'funding') return;
  const workflowId = gasKeeperWorkflowId(evm.chain);
  await temporal.client.workflow.executeUpdateWithStart(fundGasUpdate, {
    args: [
      {
        requestId: fundingKey(sweep),
        to: sweep.address,
        amount: sweep.fundingAmount.toString(),
        notify: collectorWorkflowId(evm.chain, sweep.address),
      },
    ],
    updateId: fundingKey(sweep),
    startWorkflowOperation: new WithStartWorkflowOperation(gasKeeperWorkflow, {
      workflowId,
      taskQueue: temporal.taskQueue,
      args: [{ chain: evm.chain, settings: evm.gasKeeperSettings }],
      workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [
        { key: SluiceKind, value: 'gas-keeper' },
        { key: Chain, value: evm.chain },
      ],
    }),
  });
}

/** queued (the keeper has not sent it: e.g. waiting for a top-up), sent, or confirmed. */
export async function gasFundingState(deps: CollectorDeps, id: string): Promise<'queued' | 'sent' | 'confirmed'> {
  const { sql, evm } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status !== 'funding') return 'confirmed';
  const state = await evm.sender.stateOf(fundingKey(sweep));
  if (!state) return 'queued';
  if (!state.confirmed) {
    if (!sweep.fundingSendId) await updateSweep(sql, id, { fundingSendId: state.send.id });
    return 'sent';
  }
  await updateSweep(sql, id, { fundingSendId: state.send.id, fundingGas: gasOf(state.send), status: 'sending' });
  return 'confirmed';
}
