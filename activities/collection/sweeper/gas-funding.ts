/** Gas funding of token sweeps: following the gas keeper's funding send of a sweep. */
import { updateSweep, type Sweep } from '../../../services/collection/sweeps-store.js';
import { gasOf, loadSweep, type SweepDeps } from './context.js';

/** The gas keeper's request id, and the sender's key for its funding send. */
export const fundingKey = (s: Pick<Sweep, 'chain' | 'id'>) => `sweep:${s.chain}:${s.id}:funding`;

/**
 * queued (the keeper has not sent it: e.g. waiting for a top-up), sent, or mined: the sweep may be sent then, without
 * waiting for the funding's confirmations. The sweep cannot be mined before its funding (the wallet could not pay its
 * gas); a funding reorged out is sent again by the keeper, and the sweep waits in the pool or is rebroadcast meanwhile;
 * the sweep is recorded only once it has its own confirmations, and by then so has its funding.
 */
export async function gasFundingState(deps: SweepDeps, id: string): Promise<'queued' | 'sent' | 'mined'> {
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
