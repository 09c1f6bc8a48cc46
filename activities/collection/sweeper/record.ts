/**
 * Recording a confirmed sweep in the ledger, with the deposits it collected; a sweep that failed on chain books only
 * its fees and raises a critical notice.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { sendById } from '../../../chains/evm/sends-store.js';
import { markCollected, updateSweep } from '../../../services/collection/sweeps-store.js';
import { commitGroups } from '../../../services/ledger/journal.js';
import { raiseAlert } from '../../../services/notifications/client.js';
import { sweepLedgerTransfers } from '../../../domain/collection/rules.js';
import { evmCurrencies, gasOf, loadSweep, transferKey, type SweepDeps } from './context.js';

/** Books a confirmed sweep: cold and hot custody, the gas funding and every fee, and which deposits it collected. */
export async function recordSweep(deps: SweepDeps, id: string): Promise<void> {
  const { sql, evm } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status === 'confirmed' || sweep.status === 'failed') return;
  const state = await evm.sender.stateOf(transferKey(sweep));
  if (!state?.confirmed) throw ApplicationFailure.retryable(`sweep ${id} is not confirmed yet`);
  // the workflow asks once sendSweep has marked it sent (a sweep is priced, then stored, then marked sent)
  if (sweep.status !== 'sent') throw ApplicationFailure.retryable(`sweep ${id} is ${sweep.status}, not marked sent yet`);
  const funding = sweep.fundingSendId ? await sendById(sql, sweep.fundingSendId) : null;
  const succeeded = state.send.succeeded === true;
  const { native } = await evmCurrencies(deps);
  const transfers = sweepLedgerTransfers({
    sweepId: sweep.id,
    chain: sweep.chain,
    currency: sweep.currency,
    nativeCurrency: native.code,
    amount: succeeded ? sweep.amount : 0n,
    sweepGas: gasOf(state.send),
    funding: funding ? { amount: funding.value, gas: gasOf(funding) } : null,
    depositIds: sweep.depositIds,
    txHash: state.send.minedHash!,
  });
  await sql.begin(async (tx) => {
    const [outcome] = await commitGroups(tx, [{ transfers }]);
    if (!outcome!.ok)
      throw ApplicationFailure.nonRetryable(`the ledger refused sweep ${id}: ${outcome!.error.message}`, outcome!.error.code);
    await updateSweep(tx, id, {
      status: succeeded ? 'confirmed' : 'failed',
      gasSpent: gasOf(state.send),
      sweepSendId: state.send.id,
    });
    if (succeeded) {
      await markCollected(tx, id, sweep.depositIds);
    } else {
      await raiseAlert(tx, {
        eventId: `sweep:${sweep.chain}:${sweep.id}:failed`,
        type: 'other',
        kind: 'evm_sweep_failed',
        severity: 'critical',
        title: `Sweep ${sweep.id} of ${sweep.currency} from ${sweep.address} failed on chain`,
        data: { sweep_id: sweep.id, tx_hash: state.send.minedHash, address: sweep.address, currency: sweep.currency },
      });
    }
  });
  deps.log.info(
    { sweep: id, currency: sweep.currency, amount: sweep.amount.toString(), succeeded, tx: state.send.minedHash },
    'sweep recorded',
  );
}
