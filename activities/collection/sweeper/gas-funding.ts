/** Gas funding of token sweeps: following the gas keeper's funding send of a sweep. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Send } from '../../../chains/evm/sends-store.js';
import type { Sweep } from '../../../services/collection/sweeps-store.js';
import { gasOf, loadSweep, nodeCheckDue, type SweepDeps } from './context.js';
import { priceTokenSweep } from './estimate-gas.js';

/** The gas keeper's request id, and the sender's key for its funding send. */
export const fundingKey = (s: Pick<Sweep, 'chain' | 'id'>) => `sweep:${s.chain}:${s.id}:funding`;

/**
 * The funding a sweep in `funding` waits for: its own, or, when the early funding it claimed covers its gas, that one.
 * (With both, its own is the keeper's later nonce: mined, it tells that the early one is mined too.)
 */
export const awaitedFundingKey = (s: Pick<Sweep, 'chain' | 'id' | 'fundingAmount' | 'earlyFundingKey'>) =>
  s.earlyFundingKey !== null && s.fundingAmount === 0n ? s.earlyFundingKey : fundingKey(s);

/**
 * queued (the keeper has not sent it: e.g. waiting for a top-up), sent, or mined: the sweep may be sent then, without
 * waiting for the funding's confirmations. The sweep cannot be mined before its funding (the wallet could not pay its
 * gas); a funding reorged out is sent again by the keeper, and the sweep waits in the pool or is rebroadcast meanwhile;
 * the sweep is recorded only once it has its own confirmations, and by then so has its funding.
 */
export async function gasFundingState(deps: SweepDeps, id: string): Promise<'queued' | 'sent' | 'mined'> {
  const { writes } = deps;
  let sweep = await loadSweep(deps, id);
  if (sweep.status !== 'funding') return 'mined';
  let send = await fundingSend(deps, awaitedFundingKey(sweep));
  if (!send && sweep.earlyFundingKey === null && (await deps.reads.unclaimedEarlyFunding(sweep.address))) {
    // the keeper funded the wallet early after this sweep was priced: the sweep claims that funding and is priced
    // again (the keeper leaves a sweep whose wallet has an unclaimed early funding alone, so nothing is sent twice)
    sweep = await priceTokenSweep(deps, sweep);
    if (sweep.status !== 'funding') return 'mined';
    send = await fundingSend(deps, awaitedFundingKey(sweep));
  }
  if (!send) return 'queued';
  if (sweep.earlyFundingKey === send.key) return send.status === 'pending' ? 'sent' : await fundedEarly(deps, id);
  if (send.status === 'pending') {
    if (!sweep.fundingSendId) await writes.update(id, { fundingSendId: send.id });
    return 'sent';
  }
  await writes.update(id, { fundingSendId: send.id, fundingGas: gasOf(send), status: 'sending' });
  return 'mined';
}

/**
 * The funding send as the listener recorded it (it records our sends' inclusions with their block, gas included), or
 * as the node's receipts show it once the listener has left it pending too long (it may lag or be down): a burst's
 * token sweeps read their fundings in one query instead of two node calls each.
 */
async function fundingSend(deps: SweepDeps, key: string): Promise<Send | undefined> {
  const recorded = await deps.reads.send(key);
  if (!recorded || recorded.status !== 'pending' || !nodeCheckDue(recorded, Date.now())) return recorded;
  return (await deps.evm.sender.stateOf(key))?.send;
}

/** The early funding the sweep claimed is mined: the sweep is sent (the funding is booked on its own, not with it). */
async function fundedEarly(deps: SweepDeps, id: string): Promise<'mined'> {
  await deps.writes.update(id, { status: 'sending' });
  return 'mined';
}

/**
 * How often a lane waiting for its funding reads the listener's record of it. The lanes' reads go out together (three
 * statements a round for all of a burst's waiting lanes: sweeps, sends, their attempts), so this costs about 30
 * statements a second while fundings are due; at 200 ms a held sweep waited 100 ms on average for a poll to see its
 * funding mined, with only its broadcast left to do.
 */
const FUNDING_POLL_MS = 100;

/**
 * Whether the listener records the sweep's funding as mined before `until` (ms since the epoch). A tick's lane waits
 * for it so that a token sweep follows its funding at once, instead of on the tick the listener's signal wakes (which
 * starts only after this one ends); it reads the record only, so the funding's state is then taken as before.
 * A sweep whose own funding is not sent yet claims an early funding stored meanwhile (`gasFundingState`): priced while
 * the keeper was storing its wallet's early funding, it would otherwise wait for a funding of its own that the keeper
 * never sends (it leaves a sweep whose wallet has an unclaimed early funding alone), until a later tick claimed it.
 */
export async function fundingMinedBy(deps: SweepDeps, sweep: Sweep, until: number): Promise<boolean> {
  for (;;) {
    // the sweep as the tick found it; priced since, the awaited funding is its own, or the claimed early one
    const current = (await deps.reads.sweep(sweep.id)) ?? sweep;
    const claimable = current.status === 'funding' && current.earlyFundingKey === null;
    // the wallet's unclaimed early funding read with the awaited one: the claim step (several reads, a pricing) is
    // taken only when there is one to claim, not on every poll of every lane whose own funding is not sent yet
    const [send, early] = await Promise.all([
      deps.reads.send(awaitedFundingKey(current)),
      claimable ? deps.reads.unclaimedEarlyFunding(current.address) : undefined,
    ]);
    if (send?.status === 'mined' || send?.status === 'confirmed') return true;
    if (!send && early && (await gasFundingState(deps, sweep.id)) === 'mined') return true;
    if (Date.now() + FUNDING_POLL_MS > until) return false;
    await sleep(FUNDING_POLL_MS);
  }
}
