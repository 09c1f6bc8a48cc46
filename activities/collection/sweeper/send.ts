/**
 * Sending a sweep: signed, stored and broadcast through the sender, which sends a stored transaction again as it is.
 * A token sweep waiting for its gas funding is signed and stored meanwhile (held), so that only its broadcast is left
 * when the funding is mined, and broadcast as soon as the node has the funding in a block.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { encodeTransfer } from '../../../chains/evm/erc20.js';
import type { SendRequest } from '../../../chains/evm/sender.js';
import type { Send } from '../../../chains/evm/sends-store.js';
import type { Sweep, SweepTransfer } from '../../../services/collection/sweeps-store.js';
import { sweeperWorkflowId } from '../../../workflows/collection/sweeper/messages.js';
import { ErrorCode } from '../../../domain/errors.js';
import { depositWallet, loadSweep, transferKey, type SweepDeps } from './context.js';
import { awaitedFundingKey } from './gas-funding.js';
import { priceNativeSweep } from './native.js';
import { waitsForGasAgain } from './short-of-gas.js';

type SweepToSend = Extract<Sweep, { status: 'sending' | 'sent' }>;
type TokenSweep = Extract<Sweep, { status: 'funding' | 'sending' | 'sent'; tokenContract: string }>;

/**
 * Signs, stores and broadcasts the sweep (or broadcasts the stored one again, or for the first time if held). A stored
 * transaction the node refuses because the wallet cannot pay its gas sends the sweep back to waiting for gas
 * (`waitsForGasAgain`).
 */
export async function sendSweep(deps: SweepDeps, id: string): Promise<{ status: 'sent' | 'cancelled' | 'awaiting-gas' }> {
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
  const request = sweepRequest(deps, sweep, transfer);
  let send: Send;
  try {
    send = await evm.sender.send(wallet, request);
  } catch (error) {
    const stored = await evm.sender.stateOf(request.key); // a failed broadcast leaves the transaction stored
    if (stored?.send.status === 'pending' && (await waitsForGasAgain(deps, sweep, stored.send))) {
      return { status: 'awaiting-gas' };
    }
    throw error;
  }
  if (sweep.status !== 'sent') await deps.writes.update(id, { status: 'sent', sweepSendId: send.id });
  return { status: 'sent' };
}

/**
 * Signs and stores (holds) a token sweep whose gas funding is sent but not mined: the node refuses a transaction whose
 * sender cannot pay its gas, so it is broadcast, as stored, once the funding is mined (`releaseOnFunded`, or
 * `sendSweep` on the listener's record). Only once the funding it waits for is sent: until then the sweep may be priced
 * again (it claims an early funding stored meanwhile), and what is stored is the one transaction ever sent for the
 * wallet's nonce. A sweep in any other state is left alone. Answers the sweep and its held send, if held.
 */
export async function holdSweep(deps: SweepDeps, id: string): Promise<{ sweep: Sweep; send: Send } | null> {
  const sweep = await loadSweep(deps, id);
  if (sweep.status !== 'funding') return null;
  // the key derived either way (DepositWallets keeps it): a sweep whose funding is not sent is signed when it is mined
  const [wallet, funding] = await Promise.all([depositWallet(deps, sweep.address), deps.reads.send(awaitedFundingKey(sweep))]);
  if (!funding) return null;
  return { sweep, send: await deps.evm.sender.hold(wallet, sweepRequest(deps, sweep, tokenTransfer(deps, sweep))) };
}

/** How often a lane watching for its held sweep's funding looks at the node's head (one shared call for all lanes). */
export const HEAD_POLL_MS = 100;

/**
 * Broadcasts a held sweep as soon as the node has the funding it waits for in a block (its receipt: a block the node
 * returned), without waiting for the listener's record of it, which came 0.2–0.8 s after a burst's blocks in session
 * 14's traces. The node is asked for the funding's receipt once per new head while `waiting()` (a burst's lanes ask
 * together: one JSON-RPC batch a block). The sweep's steps then follow the listener's record as before and find it
 * broadcast (the node has it already, and the attempt is marked once); a funding reorged out after this leaves the
 * sweep in the pool or to be rebroadcast, as one sent on the listener's record would be.
 */
export async function releaseOnFunded(
  deps: SweepDeps,
  held: { sweep: Sweep; send: Send },
  head: () => Promise<number>,
  waiting: () => boolean,
): Promise<void> {
  let checked = -1;
  while (waiting()) {
    const now = await head();
    if (now > checked) {
      checked = now;
      const funding = await heldSweepFunding(deps, held.sweep);
      if (funding === 'recorded') return; // the lane's steps send it
      if (funding === 'on-node') return deps.evm.sender.release(held.send);
    }
    await sleep(HEAD_POLL_MS);
  }
}

/**
 * Where the funding a held sweep waits for stands: not in a block (the node would refuse the sweep: its wallet cannot
 * pay the gas), in one as the listener recorded it, or in one the node has and the listener has not recorded yet.
 * The one answer to whether a held sweep may go on the wire: `releaseOnFunded` and the sender's reconcile ask it.
 */
async function heldSweepFunding(deps: SweepDeps, sweep: Sweep): Promise<'unmined' | 'recorded' | 'on-node'> {
  const funding = await deps.reads.send(awaitedFundingKey(sweep));
  if (!funding) return 'unmined';
  if (funding.status !== 'pending') return 'recorded';
  return (await deps.evm.sender.minedOnNode(funding)) ? 'on-node' : 'unmined';
}

/**
 * Whether a send of the wallet's, stored and never broadcast, may go on the wire now: yes, unless it is a token sweep
 * held (in `funding`: only `holdSweep` stores one then) whose funding is not in a block yet. A reconcile and a lane's
 * `releaseOnFunded` may both find it releasable at once: they push the one stored transaction of its nonce, the node
 * answers the second "already known", and its attempt is marked broadcast once (only while unmarked).
 */
export async function releasableFrom(deps: SweepDeps, address: string, send: Send): Promise<boolean> {
  const held = (await deps.reads.openSweepsOf(address)).find((s) => s.status === 'funding' && transferKey(s) === send.key);
  return !held || (await heldSweepFunding(deps, held)) !== 'unmined';
}

/** The sender's request for the sweep's transaction: the same whether it is held first or sent at once. */
function sweepRequest({ evm }: SweepDeps, sweep: Sweep, transfer: SweepTransfer & { call: Call }): SendRequest {
  return {
    key: transferKey(sweep),
    purpose: 'sweep',
    ...transfer.call,
    gasLimit: transfer.gasLimit,
    fees: { maxFeePerGas: transfer.maxFeePerGas, maxPriorityFeePerGas: transfer.maxPriorityFeePerGas },
    notify: [sweeperWorkflowId(evm.chain)],
  };
}

/** What the sweep's transaction calls: the token's transfer to the cold wallet, or a plain payment to it. */
type Call = { to: string; value: bigint; data?: string };

/** A token sweep calls the token's transfer of its amount; it was priced when prepared. */
function tokenTransfer({ evm }: SweepDeps, sweep: TokenSweep): SweepTransfer & { call: Call } {
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
