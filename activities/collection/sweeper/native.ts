/**
 * Native-currency sweeps send the wallet's balance less the fee, so they are priced from the balance right before
 * they are signed (and again while not signed), not when planned. Tokens go first: a native sweep leaves the gas the
 * keeper sent for a token deposit's sweep in the wallet.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { Sweep, SweepTransfer } from '../../../services/collection/sweeps-store.js';
import { NATIVE_TRANSFER_GAS, nativeSweepValue } from '../../../domain/collection/rules.js';
import type { Currency } from '../../../domain/currencies.js';
import { evmCurrencies, minimumOf, recordedHead, sendsSettledBy, type SweepDeps } from './context.js';

/** What a native sweep of the wallet would send now (null when not worth it or not safe to compute yet). */
export async function nativeSweepQuote(
  deps: SweepDeps,
  address: string,
  native: Currency,
  holdings?: Awaited<ReturnType<typeof recordedHead>>,
) {
  const { evm } = deps;
  holdings ??= await recordedHead(deps, address);
  const uncollected = holdings.uncollected.get(native.code);
  // an ETH deposit still confirming would be swept without being recorded as collected; its workflow wakes us
  if (!uncollected || holdings.inFlight.has(native.code)) return null;
  const at = holdings.checkpoint.blockNumber;
  // the early funding read after the checkpoint: one recorded as mined by then is in the balance read there
  const [balance, fees, early] = await Promise.all([
    evm.provider.getBalance(address, at),
    deps.fees(),
    deps.reads.unclaimedEarlyFunding(address),
  ]);
  // gas the keeper sent early for a token deposit (held, or still confirming) is that deposit's sweep's: left in the
  // wallet, it is claimed there (swept with the ETH, the token sweep asked the keeper for its gas again)
  const reserved = early?.succeeded && early.blockNumber !== null && early.blockNumber <= at ? early.value : 0n;
  const value = nativeSweepValue(balance - reserved, NATIVE_TRANSFER_GAS, fees.maxFeePerGas);
  if (value === null || value < minimumOf(deps, native)) return null;
  return { value, fees, depositIds: uncollected.depositIds, at };
}

/** Prices the sweep from the balance now and records it; null when it is not worth sending (it is cancelled). */
export async function priceNativeSweep(deps: SweepDeps, sweep: Sweep): Promise<SweepTransfer | null> {
  // the balance is read where the listener has recorded everything: our own sends must be behind it (both read
  // from the listener's record, which commits a block's checkpoint and our sends' inclusions together: in either
  // order, a block recorded between the two reads either fails the check or is in the checkpoint the balance is read at)
  const [holdings, own] = await Promise.all([recordedHead(deps, sweep.address), deps.reads.sendsFrom(sweep.address)]);
  if (!sendsSettledBy(own, holdings.checkpoint.blockNumber)) {
    throw ApplicationFailure.retryable("the wallet's own transactions are not all recorded yet");
  }
  const quote = await nativeSweepQuote(deps, sweep.address, (await evmCurrencies(deps)).native, holdings);
  if (!quote) {
    await deps.writes.update(sweep.id, { status: 'cancelled' });
    return null;
  }
  const transfer: SweepTransfer = {
    amount: quote.value,
    gasLimit: NATIVE_TRANSFER_GAS,
    maxFeePerGas: quote.fees.maxFeePerGas,
    maxPriorityFeePerGas: quote.fees.maxPriorityFeePerGas,
  };
  await deps.writes.update(sweep.id, { depositIds: quote.depositIds, ...transfer });
  return transfer;
}
