/**
 * Preparing a sweep: a token transfer's gas is estimated and priced now, and whatever of it the wallet lacks is what
 * the gas keeper must send first; a native sweep needs no preparing (it is priced when sent).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { isError } from 'ethers';
import { encodeTransfer } from '../../../chains/evm/erc20.js';
import type { Sweep } from '../../../services/collection/sweeps-store.js';
import { gasFundingNeeded, gasLimitWithHeadroom } from '../../../domain/collection/rules.js';
import { ErrorCode } from '../../../domain/errors.js';
import { loadSweep, recordedHead, sendsSettledBy, type SweepDeps } from './context.js';

/** A token sweep to price: planned, or waiting for gas the keeper has not sent (priced again to adopt an early funding). */
type TokenSweepToPrice = Extract<Sweep, { status: 'planned' | 'funding'; tokenContract: string }>;

/** Token sweeps: the gas the transfer needs, and how much of it the gas keeper must send first. */
export async function prepareSweep(deps: SweepDeps, id: string): Promise<{ status: Sweep['status']; needsFunding: boolean }> {
  let sweep = await loadSweep(deps, id);
  if (sweep.status === 'planned') {
    sweep =
      sweep.tokenContract === null ? await deps.writes.update(id, { status: 'sending' }) : await priceTokenSweep(deps, sweep);
  }
  return { status: sweep.status, needsFunding: sweep.status === 'funding' };
}

/** The token transfer's gas limit: the node's estimate with headroom (one that reverts fails the sweep for good). */
async function estimateTransferGas({ evm }: SweepDeps, sweep: TokenSweepToPrice): Promise<bigint> {
  const data = encodeTransfer(evm.coldWallet, sweep.amount);
  try {
    return gasLimitWithHeadroom(await evm.provider.estimateGas({ from: sweep.address, to: sweep.tokenContract, data }));
  } catch (error) {
    if (isError(error, 'CALL_EXCEPTION')) {
      throw ApplicationFailure.nonRetryable(
        `the token transfer of sweep ${sweep.id} would revert: does the wallet hold ${sweep.amount}?`,
        ErrorCode.Conflict,
      );
    }
    throw error;
  }
}

/**
 * Prices the token transfer and what gas the wallet lacks for it, claiming the wallet's early funding if one is
 * unclaimed (one funding serves one sweep: the claim is unique). The wallet's balance is read at the confirmed block;
 * an early funding not mined by then (pending, or mined later) is counted on top, since it arrives in the wallet before
 * the sweep can be mined (the sweep waits for it); one mined by then is in that balance already (a native sweep leaves
 * an unclaimed one in the wallet). A sweep short of gas even so asks the keeper for the rest, as without one.
 */
export async function priceTokenSweep(deps: SweepDeps, sweep: TokenSweepToPrice): Promise<Sweep> {
  const { evm } = deps;
  // what does not depend on another read goes together: a burst's lanes wait for each round of the batched reads and
  // node calls, so two rounds instead of six before the sweep is priced and can ask for (or claim) its funding
  const [gasLimit, fees, holdings, own] = await Promise.all([
    estimateTransferGas(deps, sweep),
    deps.fees(),
    recordedHead(deps, sweep.address),
    deps.reads.sendsFrom(sweep.address),
  ]);
  const confirmedBlock = holdings.checkpoint.blockNumber - BigInt(evm.confirmations) + 1n;
  // the balance is read at a block the listener has recorded as confirmed: every send of ours from the wallet must be
  // behind it, or the ETH it takes would count as gas for this sweep. A native sweep sent and not mined would take the
  // gas it was priced against, and the node then drops this sweep for lack of funds (the lanes price no sweep while
  // another of the wallet's is in flight; this is the check that holds whoever asks)
  if (!sendsSettledBy(own, confirmedBlock)) {
    throw ApplicationFailure.retryable("the wallet's own transactions are not all recorded as confirmed yet");
  }
  // looked up after the confirmed block is fixed: a funding stored after this look is mined after that block
  const [early, claimedBefore, balance] = await Promise.all([
    sweep.earlyFundingKey ? undefined : deps.reads.unclaimedEarlyFunding(sweep.address),
    sweep.earlyFundingKey ? deps.reads.send(sweep.earlyFundingKey) : undefined,
    evm.provider.getBalance(sweep.address, confirmedBlock > 0n ? confirmedBlock : 0n),
  ]);
  const claimed = early ?? claimedBefore;
  const arriving = claimed !== undefined && !(claimed.blockNumber !== null && claimed.blockNumber <= confirmedBlock);
  const counted = arriving && claimed.succeeded !== false ? claimed.value : 0n;
  const funding = gasFundingNeeded(gasLimit * fees.maxFeePerGas, evm.gasMarginPercent, balance + counted);
  return deps.writes.update(sweep.id, {
    gasLimit,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    fundingAmount: funding,
    ...(early ? { earlyFundingKey: early.key } : {}),
    // waiting for an arriving early funding alone is waiting for gas too (with nothing for the keeper to send)
    status: funding > 0n || arriving ? 'funding' : 'sending',
  });
}
