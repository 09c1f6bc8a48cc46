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
import { loadSweep, recordedHead, type SweepDeps } from './context.js';

type PlannedTokenSweep = Extract<Sweep, { status: 'planned'; tokenContract: string }>;

/** Token sweeps: the gas the transfer needs, and how much of it the gas keeper must send first. */
export async function prepareSweep(deps: SweepDeps, id: string): Promise<{ status: Sweep['status']; needsFunding: boolean }> {
  let sweep = await loadSweep(deps, id);
  if (sweep.status === 'planned') {
    sweep =
      sweep.tokenContract === null ? await deps.writes.update(id, { status: 'sending' }) : await priceTokenSweep(deps, sweep);
  }
  return { status: sweep.status, needsFunding: sweep.status === 'funding' };
}

async function priceTokenSweep(deps: SweepDeps, sweep: PlannedTokenSweep): Promise<Sweep> {
  const { evm } = deps;
  const data = encodeTransfer(evm.coldWallet, sweep.amount);
  let estimate: bigint;
  try {
    estimate = await evm.provider.estimateGas({ from: sweep.address, to: sweep.tokenContract, data });
  } catch (error) {
    if (isError(error, 'CALL_EXCEPTION')) {
      throw ApplicationFailure.nonRetryable(
        `the token transfer of sweep ${sweep.id} would revert: does the wallet hold ${sweep.amount}?`,
        ErrorCode.Conflict,
      );
    }
    throw error;
  }
  const gasLimit = gasLimitWithHeadroom(estimate);
  const fees = await deps.fees();
  const holdings = await recordedHead(deps, sweep.address);
  const confirmedBlock = holdings.checkpoint.blockNumber - BigInt(evm.confirmations) + 1n;
  // the balance is read at a block the listener has recorded: our own last send from the wallet (a native sweep, whose
  // node-side confirmations may run ahead of a listener catching up) must be behind it, or its ETH would count twice
  const lastOwn = await deps.reads.lastMinedBlockFrom(sweep.address);
  if (lastOwn !== null && lastOwn > confirmedBlock) {
    throw ApplicationFailure.retryable("the listener has not recorded the wallet's last transaction as confirmed yet");
  }
  const balance = await evm.provider.getBalance(sweep.address, confirmedBlock > 0n ? confirmedBlock : 0n);
  const funding = gasFundingNeeded(gasLimit * fees.maxFeePerGas, evm.gasMarginPercent, balance);
  return deps.writes.update(sweep.id, {
    gasLimit,
    maxFeePerGas: fees.maxFeePerGas,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
    fundingAmount: funding,
    status: funding > 0n ? 'funding' : 'sending',
  });
}
