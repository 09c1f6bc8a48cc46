/** Waiting for a sweep to be final: the workflow asks after each confirmation signal, and polls meanwhile. */
import { depositWallet, loadSweep, transferKey, type SweepDeps } from './context.js';

/** Whether the sweep is final; one a node seems to have lost is broadcast again (same transaction). */
export async function sweepConfirmed(deps: SweepDeps, id: string): Promise<boolean> {
  const { evm } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status === 'confirmed' || sweep.status === 'failed') return true;
  const state = await evm.sender.stateOf(transferKey(sweep));
  if (state?.confirmed) return true;
  if (state?.send.status === 'pending') {
    await evm.sender.reconcile(await depositWallet(deps, sweep.address), { staleAfterMs: evm.resubmitAfterMs, bump: false });
  }
  return false;
}
