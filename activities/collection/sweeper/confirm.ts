/** Waiting for a sweep to be final: the workflow asks after each confirmation signal, and polls meanwhile. */
import { depositWallet, loadSweep, transferKey, type SweepDeps } from './context.js';
import { releasableFrom } from './send.js';
import { waitsForGasAgain } from './short-of-gas.js';

/**
 * Whether the sweep is final, still on its way, or back to waiting for gas (its wallet can no longer pay for its
 * transaction: `waitsForGasAgain`). One a node seems to have lost is broadcast again (same transaction). The wallet's
 * other sends are reconciled too, but a sweep held for its funding goes on the wire only once that funding is in a block.
 */
export async function sweepConfirmed(deps: SweepDeps, id: string): Promise<'confirmed' | 'pending' | 'awaiting-gas'> {
  const { evm } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status === 'confirmed' || sweep.status === 'failed') return 'confirmed';
  const state = await evm.sender.stateOf(transferKey(sweep));
  if (state?.confirmed) return 'confirmed';
  if (state?.send.status === 'pending') {
    if (await waitsForGasAgain(deps, sweep, state.send)) return 'awaiting-gas';
    await evm.sender.reconcile(await depositWallet(deps, sweep.address), {
      staleAfterMs: evm.resubmitAfterMs,
      bump: false,
      releasable: (send) => releasableFrom(deps, sweep.address, send),
    });
  }
  return 'pending';
}
