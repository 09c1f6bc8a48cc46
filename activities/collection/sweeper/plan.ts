/** Planning: which currencies of a wallet are worth sweeping now, each opened as a sweep (one open per currency). */
import { ApplicationFailure } from '@temporalio/activity';
import type { Sweep } from '../../../services/collection/sweeps-store.js';
import { ErrorCode } from '../../../domain/errors.js';
import { evmCurrencies, minimumOf, type SweepDeps } from './context.js';
import { nativeSweepQuote } from './native.js';

/** Opens a sweep for each currency the wallet holds enough of; returns the wallet's open sweeps. */
export async function planSweeps(deps: SweepDeps, wallet: { chain: string; address: string }): Promise<Sweep[]> {
  const { evm, reads, writes } = deps;
  if (wallet.chain !== evm.chain)
    throw ApplicationFailure.nonRetryable(`this worker collects on ${evm.chain}, not ${wallet.chain}`, ErrorCode.Conflict);
  const [{ native, tokens }, sweeps, holdings] = await Promise.all([
    evmCurrencies(deps),
    reads.openSweepsOf(wallet.address),
    reads.holdings(wallet.address),
  ]);
  const open = new Set(sweeps.map((s) => s.currency));
  for (const token of tokens) {
    const uncollected = holdings.uncollected.get(token.code);
    if (open.has(token.code) || !uncollected || uncollected.total < minimumOf(deps, token)) continue;
    sweeps.push(
      await writes.open({
        chain: evm.chain,
        address: wallet.address,
        currency: token.code,
        tokenContract: token.tokenContract.toLowerCase(),
        depositIds: uncollected.depositIds,
        amount: uncollected.total,
      }),
    );
  }
  const { checkpoint } = holdings; // without one, the quote asks again (and waits for the listener's first block)
  const head = checkpoint ? { ...holdings, checkpoint } : undefined;
  if (!open.has(native.code) && (await nativeSweepQuote(deps, wallet.address, native, head))) {
    sweeps.push(
      await writes.open({
        chain: evm.chain,
        address: wallet.address,
        currency: native.code,
        tokenContract: null,
        depositIds: [],
        amount: null,
      }),
    );
  }
  return sweeps;
}
