/**
 * The sweeper of a chain (`sweeper:<chain>`): the only sender from the deposit wallets. Each tick is one activity that
 * moves every open sweep of the chain on, many wallets at once: it plans the wallets credited since the last tick,
 * prices and broadcasts native sweeps, prices token sweeps and wakes the gas keeper (which funds them in one batch),
 * sends the token sweeps whose funding is mined (waiting a few seconds for a funding due, so the sweep follows it in
 * the same tick), and records the confirmed ones. The sweeps' state is in the database (every step idempotent on the sweep's record), so the workflow holds only
 * the wallets to plan: a burst of deposits costs a few ticks, not a workflow per wallet.
 * Woken by credited wallets (signal) and by the listener's word that a funding or sweep of ours was mined or
 * confirmed; it also polls while sweeps are open, so a lost signal delays a sweep and never blocks it.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createEvmSweeperActivities } from '../../../activities/collection/sweeper/activities.js';
import { transactionConfirmedSignal } from '../../evm-sends/messages.js';
import { SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { runIsLongSince } from '../../../platform/temporal/run-length.js';
import {
  sweeperStatusQuery,
  walletsCreditedSignal,
  type SweeperInput,
  type SweeperStatus,
  type SweepTickReport,
} from './messages.js';

const { sweepTick } = proxyActivities<ReturnType<typeof createEvmSweeperActivities>>(retryPolicies.sweepTick);

/** While sweeps are open: the listener signals what we wait for; this is the fallback (and a retry's pace). */
const OPEN_POLL = '15 seconds';
/** With nothing open: a credited wallet signals; a look for missed wallets at this pace finds what a lost one left. */
const IDLE_POLL = '10 minutes';
/**
 * Wallets planned per tick at most; the rest wait for the next tick, which follows at once. Short ticks let a token
 * sweep whose funding was mined meanwhile go out between two parts of a burst, not after all of it.
 */
const WALLETS_PER_TICK = 500;

export async function evmSweeperWorkflow(input: SweeperInput): Promise<void> {
  /** Wallets to plan, each with the number of the wake-up that last named it. */
  const wallets = new Map<string, number>((input.wallets ?? []).map((address) => [address, 0]));
  let wakeups = 0;
  const status: SweeperStatus = { state: 'idle', wallets: wallets.size, ticks: 0, lastTick: null };
  let heardOf = 0;
  setHandler(walletsCreditedSignal, ({ addresses }) => {
    wakeups++;
    for (const address of addresses) wallets.set(address.toLowerCase(), wakeups);
    status.wallets = wallets.size;
    heardOf++;
  });
  setHandler(transactionConfirmedSignal, () => void heardOf++);
  setHandler(sweeperStatusQuery, () => status);

  let shown: SweeperStatus['state'] | null = null;
  let lookForMissed = true; // on a run's first tick, and after a quiet spell
  for (;;) {
    const heard = heardOf; // what arrives while the tick runs wakes the next tick at once
    const batch = new Map([...wallets].slice(0, WALLETS_PER_TICK));
    const report: SweepTickReport = await sweepTick({ chain: input.chain, wallets: [...batch.keys()], lookForMissed });
    lookForMissed = false;
    // a wallet named again while the tick planned it is planned again: its new deposit may have come after the plan
    for (const address of report.planned) if (wallets.get(address) === batch.get(address)) wallets.delete(address);
    status.wallets = wallets.size;
    status.ticks++;
    status.lastTick = report;
    status.state = report.problems.some((p) => !p.transient) ? 'failing' : report.open > 0 ? 'sweeping' : 'idle';
    if (status.state !== shown) {
      upsertSearchAttributes([{ key: SluiceStatus, value: status.state }]);
      shown = status.state;
    }

    // between ticks, nothing in flight: the wallets not planned yet go on in the next run (the sweeps are in the database)
    if (runIsLongSince('sweeper-continues-as-new-bounded', input.runHistoryLimit)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof evmSweeperWorkflow>({ ...input, wallets: [...wallets.keys()] });
    }
    if (wallets.size > 0 && report.planned.length > 0) continue;
    const busy: boolean = report.open > 0 || wallets.size > 0;
    const woken: boolean = await condition(() => heardOf > heard, busy ? OPEN_POLL : IDLE_POLL);
    lookForMissed = !woken && !busy;
  }
}
