/** Gas funding of token sweeps: asking the gas keeper for the sweep's gas, and following its funding send. */
import { updateSweep, type Sweep } from '../../../services/collection/sweeps-store.js';
import { requestGasFunding as askGasKeeper } from '../../../services/collection/client.js';
import type { TemporalTarget } from '../../../platform/temporal/target.js';
import { collectorWorkflowId } from '../../../workflows/collection/collector/messages.js';
import { gasOf, loadSweep, type CollectorDeps } from './context.js';

/** Asking for gas starts or updates the gas keeper's workflow. */
export interface GasFundingDeps extends CollectorDeps {
  temporal: TemporalTarget;
}

/** The gas keeper's request id, and the sender's key for its funding send. */
const fundingKey = (s: Sweep) => `sweep:${s.chain}:${s.id}:funding`;

/** Asks the gas keeper (started if it is not running) for the sweep's gas; asking again changes nothing. */
export async function requestGasFunding(deps: GasFundingDeps, id: string): Promise<void> {
  const { evm, temporal } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status !== 'funding') return;
  await askGasKeeper(temporal, evm.chain, evm.gasKeeperSettings, {
    requestId: fundingKey(sweep),
    to: sweep.address,
    amount: sweep.fundingAmount.toString(),
    notify: collectorWorkflowId(evm.chain, sweep.address),
  });
}

/**
 * queued (the keeper has not sent it: e.g. waiting for a top-up), sent, or mined: the sweep may be sent then, without
 * waiting for the funding's confirmations. The sweep cannot be mined before its funding (the wallet could not pay its
 * gas); a funding reorged out is sent again by the keeper, and the sweep waits in the pool or is rebroadcast meanwhile;
 * the sweep is recorded only once it has its own confirmations, and by then so has its funding.
 */
export async function gasFundingState(deps: CollectorDeps, id: string): Promise<'queued' | 'sent' | 'mined'> {
  const { sql, evm } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status !== 'funding') return 'mined';
  const state = await evm.sender.stateOf(fundingKey(sweep));
  if (!state) return 'queued';
  if (state.send.status === 'pending') {
    if (!sweep.fundingSendId) await updateSweep(sql, id, { fundingSendId: state.send.id });
    return 'sent';
  }
  await updateSweep(sql, id, { fundingSendId: state.send.id, fundingGas: gasOf(state.send), status: 'sending' });
  return 'mined';
}
