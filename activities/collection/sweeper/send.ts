/** Sending a sweep: signed, stored and broadcast through the sender, which sends a stored transaction again as it is. */
import { ApplicationFailure } from '@temporalio/activity';
import { encodeTransfer } from '../../../chains/evm/erc20.js';
import type { Sweep, SweepTransfer } from '../../../services/collection/sweeps-store.js';
import { sweeperWorkflowId } from '../../../workflows/collection/sweeper/messages.js';
import { ErrorCode } from '../../../domain/errors.js';
import { depositWallet, loadSweep, transferKey, type SweepDeps } from './context.js';
import { priceNativeSweep } from './native.js';

type SweepToSend = Extract<Sweep, { status: 'sending' | 'sent' }>;

/** Signs, stores and broadcasts the sweep (or rebroadcasts the stored one). */
export async function sendSweep(deps: SweepDeps, id: string): Promise<{ status: 'sent' | 'cancelled' }> {
  const { evm } = deps;
  const sweep = await loadSweep(deps, id);
  if (sweep.status === 'cancelled') return { status: 'cancelled' };
  if (sweep.status === 'confirmed' || sweep.status === 'failed') return { status: 'sent' };
  if (sweep.status !== 'sending' && sweep.status !== 'sent')
    throw ApplicationFailure.nonRetryable(`sweep ${id} is ${sweep.status}, not ready to send`, ErrorCode.Conflict);
  // the wallet's key (a read, a derivation in the signer thread) while the sweep is priced (reads, node calls)
  const [wallet, transfer] = await Promise.all([
    depositWallet(deps, sweep.address),
    sweep.tokenContract !== null ? tokenTransfer(deps, sweep) : nativeTransfer(deps, sweep),
  ]);
  if (!transfer) return { status: 'cancelled' };
  const send = await evm.sender.send(wallet, {
    key: transferKey(sweep),
    purpose: 'sweep',
    ...transfer.call,
    gasLimit: transfer.gasLimit,
    fees: { maxFeePerGas: transfer.maxFeePerGas, maxPriorityFeePerGas: transfer.maxPriorityFeePerGas },
    notify: [sweeperWorkflowId(evm.chain)],
  });
  if (sweep.status !== 'sent') await deps.writes.update(id, { status: 'sent', sweepSendId: send.id });
  return { status: 'sent' };
}

/** What the sweep's transaction calls: the token's transfer to the cold wallet, or a plain payment to it. */
type Call = { to: string; value: bigint; data?: string };

/** A token sweep calls the token's transfer of its amount; it was priced when prepared. */
function tokenTransfer({ evm }: SweepDeps, sweep: SweepToSend & { tokenContract: string }): SweepTransfer & { call: Call } {
  return { ...sweep, call: { to: sweep.tokenContract, value: 0n, data: encodeTransfer(evm.coldWallet, sweep.amount) } };
}

/** A native sweep pays its amount to the cold wallet; priced now unless its transaction is stored (null: cancelled). */
async function nativeTransfer(deps: SweepDeps, sweep: SweepToSend): Promise<(SweepTransfer & { call: Call }) | null> {
  // a sweep is priced before its transaction is stored: a stored one is sent again as it is, and one never priced has
  // none stored (no lookup)
  const stored = sweep.gasLimit !== null && (await deps.evm.sender.stateOf(transferKey(sweep)));
  const transfer = stored ? sweep : await priceNativeSweep(deps, sweep);
  return transfer && { ...transfer, call: { to: deps.evm.coldWallet, value: transfer.amount } };
}
