/**
 * One tick of a chain's sweeper: plans the wallets credited since the last tick, then moves every open sweep of the
 * chain as far as it goes without waiting, all its wallets at once (each wallet's sweeps in flight first, each on its
 * own; the others once none is in flight, in order, tokens first, the native one last: it takes whatever gas the token
 * sweeps left). The wallets' lanes move in step, and what they do
 * together goes out together: their reads as one query per step (reads.ts), their sweep writes as one statement per
 * step (writes.ts), their node calls as JSON-RPC batches, their sends as one stored-then-broadcast batch (the sender),
 * their bookings as one ledger transaction (record.ts).
 * A sweep is stored (signed, with its hash) before it is broadcast by the sender, and every step is idempotent on the
 * sweep's record, so a tick cut off anywhere is carried on by the next without sending twice. Token sweeps that need
 * gas wake the gas keeper as soon as the first is priced: it funds every waiting sweep in one batch, and each wallet's
 * lane waits a while for its funding to be mined (FUNDING_WAIT_MS) and sends the sweep right after; one not mined by
 * then is sent by a later tick; wallets credited while the tick runs are moved on in the same tick (LATE_LOOK_MS).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { sharedFeeQuote, sharedHead } from '../../../chains/evm/provider.js';
import { sendsByKeys, type Send } from '../../../chains/evm/sends-store.js';
import { BatchQueue } from '../../../platform/db/batch-queue.js';
import { CoalescingRunner } from '../../../platform/coalescing-runner.js';
import { eachLimited } from '../../../platform/each-limited.js';
import type { TemporalTarget } from '../../../platform/temporal/target.js';
import { wakeGasKeeper } from '../../../services/collection/client.js';
import {
  clearSweepError,
  openSweepsOfChain,
  walletsWithUnsweptDeposits,
  type Sweep,
} from '../../../services/collection/sweeps-store.js';
import type { SweepProblem, SweepTickReport } from '../../../workflows/collection/sweeper/messages.js';
import { ErrorCode } from '../../../domain/errors.js';
import { sweepConfirmed } from './confirm.js';
import { nodeCheckDue, transferKey, type SweepDeps } from './context.js';
import { prepareSweep } from './estimate-gas.js';
import { awaitedFundingKey, fundingMinedBy, gasFundingState } from './gas-funding.js';
import { planSweeps } from './plan.js';
import { batchedSweepReads } from './reads.js';
import { batchedSweepWrites } from './writes.js';
import { noteSweepFailure } from './failing.js';
import { recordSweeps } from './record.js';
import { HEAD_POLL_MS, holdSweep, releaseOnFunded, sendSweep } from './send.js';
import { TickTimeline } from './tick-timeline.js';

/**
 * Asking the gas keeper for funding needs Temporal; each tick takes its own fee quote and batches its own reads and
 * writes.
 */
export type SweeperDeps = Omit<SweepDeps, 'fees' | 'reads' | 'writes'> & { temporal: TemporalTarget };

/**
 * Wallets worked on at once. The lanes move in step (one answer wakes them all), and the reads they make together go
 * out as one query (`reads.ts`) and their node calls as one JSON-RPC batch (the provider's batching), so wide lanes
 * cost few round trips; only the sends' own transactions queue on the worker's database pool (DATABASE_POOL_MAX).
 */
const WALLET_LANES = 1_000;
/** Problems reported to the workflow at most (every one is on its sweep's record). */
const PROBLEMS_SHOWN = 50;
/** Confirmed sweeps booked in one ledger transaction at most. */
const RECORDS_PER_BOOKING = 500;
/**
 * How long a lane waits for its sweep's funding to be mined before it leaves the sweep to a later tick: the keeper's
 * tick (woken through Temporal, signing the batch), a block, and the listener's record of it. The next tick starts
 * only when this one ends, so without the wait a token sweep went out a whole tick after its funding; with it, a tick
 * lasts at most this much longer (credited wallets signalled meanwhile wait for it), and only while fundings are due.
 */
const FUNDING_WAIT_MS = 4_000;
/**
 * While its lanes run, the tick looks this often for wallets credited since it began and moves them on too: the
 * workflow would hand them to the next tick, which starts only when this one ends (a burst's first credits start a
 * tick whose planning, signing and funding waits last seconds while the rest of the burst is credited).
 */
const LATE_LOOK_MS = 500;
/**
 * A tick stops looking for new wallets once it has run this long, so that deposits arriving without pause never keep
 * one tick going (its sent sweeps are recorded, and the workflow's polls and status move, only when it ends).
 */
const LATE_LOOKS_FOR_MS = 20_000;
/** A tick's sweeps share a fee quote this fresh (about a block; fees are 2 × base fee + tip, so they hold a while). */
const FEE_QUOTE_MAX_AGE_MS = 2_000;

/**
 * Where one step left a sweep: done with (finished, recorded), or waiting for something outside the tick (the keeper
 * to send its funding: awaiting-gas; its funding to be mined: funding-sent; its own confirmations: waiting).
 */
type Outcome = 'finished' | 'recorded' | 'sent' | 'awaiting-gas' | 'funding-sent' | 'waiting';

/** Moves one sweep on as far as it goes now, each step idempotent on its record. */
async function advanceSweep(
  deps: SweepDeps,
  id: string,
  wantGas: () => void,
  record: (id: string) => Promise<void>,
): Promise<Outcome> {
  const prepared = await prepareSweep(deps, id); // a planned sweep is priced; any other is read as it is
  if (prepared.status === 'cancelled' || prepared.status === 'confirmed' || prepared.status === 'failed') return 'finished';
  if (prepared.status === 'sent') {
    const state = await sweepConfirmed(deps, id);
    if (state === 'pending') return 'waiting';
    if (state === 'awaiting-gas') return gasWanted(wantGas);
    await record(id);
    return 'recorded';
  }
  if (prepared.needsFunding) {
    const funding = await gasFundingState(deps, id);
    if (funding === 'queued') return gasWanted(wantGas);
    if (funding !== 'mined') return 'funding-sent';
  }
  const sent = await sendSweep(deps, id);
  if (sent.status === 'awaiting-gas') return gasWanted(wantGas);
  return sent.status === 'cancelled' ? 'finished' : 'sent';
}

/** A sweep waiting for the keeper to send its gas: the keeper is woken. */
function gasWanted(wantGas: () => void): 'awaiting-gas' {
  wantGas();
  return 'awaiting-gas';
}

/**
 * Whether a sweep waiting for one of our sends can move now: the send the listener recorded as far as the sweep needs
 * (a funding mined, a sweep confirmed), or one it has not recorded in time (`nodeCheckDue`: the node is asked).
 * Every other sweep can (planned, being sent, a funding not sent yet: the keeper is asked).
 */
function canMove(sweep: Sweep, sends: Map<string, Send>, now: number): boolean {
  if (sweep.status !== 'funding' && sweep.status !== 'sent') return true;
  const send = sends.get(sweep.status === 'funding' ? awaitedFundingKey(sweep) : transferKey(sweep));
  if (!send) return true;
  if (send.status === 'confirmed' || (sweep.status === 'funding' && send.status === 'mined')) return true;
  return send.attempts[send.attempts.length - 1]!.broadcastAt === null || nodeCheckDue(send, now);
}

/** The sends that open sweeps wait for, by key. */
const awaitedSends = (sql: SweepDeps['sql'], chain: string, sweeps: Sweep[]) =>
  sendsByKeys(
    sql,
    chain,
    sweeps.flatMap((s) => (s.status === 'funding' ? [awaitedFundingKey(s)] : s.status === 'sent' ? [transferKey(s)] : [])),
  );

/** Open sweeps by wallet, oldest first. */
function byWallet(sweeps: Sweep[]): Map<string, Sweep[]> {
  const wallets = new Map<string, Sweep[]>();
  for (const sweep of sweeps) wallets.set(sweep.address, [...(wallets.get(sweep.address) ?? []), sweep]);
  return wallets;
}

/** A wallet's open sweeps in the order they go: tokens first, the native one last (it takes the gas they left). */
const inSendingOrder = (sweeps: Sweep[]) =>
  [...sweeps].sort((a, b) => Number(a.tokenContract === null) - Number(b.tokenContract === null));

/**
 * A sweep past its pricing (sending, priced: its transaction signed or about to be; or sent): its gas is counted, and
 * it goes on whatever the wallet's other sweeps do (its nonce, once stored, comes before any of theirs).
 */
const pastPricing = (sweep: Sweep) => sweep.status === 'sent' || (sweep.status === 'sending' && sweep.gasLimit !== null);

/** Whether a step left the sweep done with, so that the wallet's next sweep may be priced. */
const doneWith = (outcome: Outcome | null): boolean => outcome === 'finished' || outcome === 'recorded';

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

export async function sweepTick(
  base: SweeperDeps,
  input: { chain: string; wallets: string[]; lookForMissed?: boolean },
): Promise<SweepTickReport> {
  const { sql, evm, log } = base;
  if (input.chain !== evm.chain) {
    throw ApplicationFailure.nonRetryable(`this worker sweeps ${evm.chain}, not ${input.chain}`, ErrorCode.Conflict);
  }
  const timeline = new TickTimeline();
  const deps: SweepDeps = {
    ...base,
    fees: sharedFeeQuote(evm.provider, FEE_QUOTE_MAX_AGE_MS),
    reads: batchedSweepReads(sql, evm.chain),
    writes: batchedSweepWrites(sql),
  };
  // the node's head, for lanes watching for their held sweeps' fundings: one call a poll for all of them
  const head = sharedHead(evm.provider, HEAD_POLL_MS);
  const missed = input.lookForMissed ? await walletsWithUnsweptDeposits(sql, evm.chain) : [];
  const toPlan = new Set([...input.wallets, ...missed]);
  const openSweeps = await openSweepsOfChain(sql, evm.chain);
  const open = byWallet(openSweeps);
  const awaited = await awaitedSends(sql, evm.chain, openSweeps);
  timeline.mark('read');
  const now = Date.now();
  // wallets with sweeps under way first (a token sweep whose funding was mined is the one waiting longest), then the
  // credited ones; each lane plans its wallet and moves its sweeps on at once, so the first sweeps go out early
  const wallets = [...new Set([...open.keys(), ...toPlan])];

  // the keeper funds every sweep waiting for gas when woken: one wake in flight, one more after it at most
  const keeper = new CoalescingRunner(() => wakeGasKeeper(base.temporal, evm.chain, evm.gasKeeperSettings));
  const wakes: Promise<void>[] = [];
  const wantGas = () => void wakes.push(keeper.run());

  // sweeps confirmed together are booked together (one ledger transaction, see record.ts): those confirmed while a
  // booking is written go in the next
  const recorder = new BatchQueue(async (ids: string[]) => {
    const outcomes = await recordSweeps(deps, ids);
    return ids.map((id) => outcomes.get(id)!);
  }, RECORDS_PER_BOOKING);
  const record = async (id: string) => {
    const { error } = await recorder.submit(id);
    if (error) throw error;
  };

  const planned: string[] = [];
  const counts: Record<Outcome, number> = {
    finished: 0,
    recorded: 0,
    sent: 0,
    'awaiting-gas': 0,
    'funding-sent': 0,
    waiting: 0,
  };
  /**
   * A sweep waiting for its funding: whether the funding is mined within FUNDING_WAIT_MS from now. The sweep is signed
   * and stored meanwhile (`holdSweep`), so that only its broadcast is left then, and broadcast as soon as the node has
   * the funding in a block (`releaseOnFunded`); the wait ends only once it is stored, so the sweep's send that follows
   * finds it stored (and broadcasts it, again if released) instead of storing it a second time.
   */
  const fundedSoon = async (sweep: Sweep) => {
    let waiting = true;
    const held = holdSweep(deps, sweep.id).then(
      (hold) => {
        timeline.mark('held');
        // broadcast once funded, while the lane waits for the listener's record; a failure leaves it to the lane's send
        if (hold) void releaseOnFunded(deps, hold, head, () => waiting).catch(() => {});
      },
      // signed when it is sent instead
      (error: unknown) => log.warn({ sweep: sweep.id, err: messageOf(error) }, 'sweeper: a sweep could not be held'),
    );
    timeline.mark('funding-wait');
    const funded = await fundingMinedBy(deps, sweep, Date.now() + FUNDING_WAIT_MS);
    waiting = false;
    if (funded) timeline.mark('funded');
    await held;
    return funded;
  };
  const problems: SweepProblem[] = [];
  const failed = (sweep: Sweep, error: unknown) => {
    const transient = !(error instanceof ApplicationFailure && error.nonRetryable);
    problems.push({ sweepId: sweep.id, address: sweep.address, currency: sweep.currency, error: messageOf(error), transient });
    return noteSweepFailure(sql, sweep, messageOf(error), transient);
  };
  const lane = async (address: string) => {
    timeline.mark('lane');
    let sweeps = open.get(address) ?? [];
    if (toPlan.has(address)) {
      try {
        sweeps = await planSweeps(deps, { chain: evm.chain, address });
        planned.push(address);
        timeline.mark('planned');
      } catch (error) {
        log.warn({ address, err: messageOf(error) }, 'sweeper: a wallet could not be planned yet');
      }
    }
    /** Moves one sweep on as far as it goes now; null when it failed (its error is on its record). */
    const step = async (sweep: Sweep): Promise<Outcome | null> => {
      try {
        if (!canMove(sweep, awaited, now) && !(sweep.status === 'funding' && (await fundedSoon(sweep)))) {
          counts.waiting++;
          return 'waiting';
        }
        let outcome = await advanceSweep(deps, sweep.id, wantGas, record);
        if ((outcome === 'awaiting-gas' || outcome === 'funding-sent') && (await fundedSoon(sweep))) {
          outcome = await advanceSweep(deps, sweep.id, wantGas, record);
        }
        counts[outcome]++;
        if (outcome === 'sent' || outcome === 'recorded') timeline.mark(outcome);
        if (sweep.lastError) await clearSweepError(sql, sweep.id);
        return outcome;
      } catch (error) {
        await failed(sweep, error);
        return null;
      }
    };
    /**
     * Moves the wallet's sweeps on; whether one was recorded. Those past their pricing go first, each on its own (one
     * that cannot be mined must not keep the others from being booked); the rest are priced from the wallet's balance,
     * so only once none of its sweeps is in flight (a token sweep priced while a native one was would count the gas
     * that one takes), in order: tokens first, the native one last, each once the one before it is done with.
     */
    const moveOn = async (list: Sweep[]) => {
      const outcomes: Array<Outcome | null> = [];
      for (const sweep of inSendingOrder(list.filter(pastPricing))) outcomes.push(await step(sweep));
      if (outcomes.every(doneWith)) {
        for (const sweep of inSendingOrder(list.filter((s) => !pastPricing(s)))) {
          const outcome = await step(sweep);
          outcomes.push(outcome);
          if (!doneWith(outcome)) break; // the wallet's later sweeps wait for this one
        }
      }
      return outcomes.some((outcome) => outcome === 'recorded');
    };
    // a wallet is planned only for currencies with no open sweep: what was credited while one was open (a listener
    // catching up credits a wallet's deposits range by range) is planned and moved on once that sweep is recorded
    if (await moveOn(sweeps)) {
      try {
        const again = await planSweeps(deps, { chain: evm.chain, address });
        await moveOn(again.filter((s) => s.status === 'planned'));
      } catch (error) {
        log.warn({ address, err: messageOf(error) }, 'sweeper: a wallet could not be planned again yet');
      }
    }
    heartbeat();
  };
  // wallets credited while lanes run go now rather than after the tick: each wallet has one lane a tick (its sweeps go
  // in order), and the look is the one for missed wallets (credited, no open sweep of the currency)
  const laned = new Set(wallets);
  const lanes: Promise<unknown>[] = [eachLimited(wallets, WALLET_LANES, lane)];
  const looksUntil = Date.now() + LATE_LOOKS_FOR_MS;
  for (;;) {
    const done = await Promise.race([Promise.all(lanes).then(() => true), sleep(LATE_LOOK_MS).then(() => false)]);
    if (done) break;
    if (Date.now() > looksUntil) {
      await Promise.all(lanes);
      break;
    }
    const credited = (await walletsWithUnsweptDeposits(sql, evm.chain)).filter((address) => !laned.has(address));
    timeline.mark('look', credited.length);
    for (const address of credited) {
      laned.add(address);
      toPlan.add(address);
    }
    if (credited.length > 0) lanes.push(eachLimited(credited, WALLET_LANES, lane));
  }
  const woken = await Promise.allSettled(wakes);
  const wakeFailure = woken.find((w) => w.status === 'rejected');
  if (wakeFailure) log.warn({ err: messageOf(wakeFailure.reason) }, 'sweeper: the gas keeper could not be woken');

  log.debug({ chain: evm.chain, wallets: laned.size, ...timeline.summary() }, 'sweeper tick timeline');
  if (counts.sent + counts.recorded + problems.length > 0) {
    log.info({ chain: evm.chain, ...counts, problems: problems.length }, 'sweeper tick');
  }
  for (const p of problems.filter((p) => !p.transient)) log.error(p, 'sweep failed; tried again next tick');
  const signalled = new Set(input.wallets);
  return {
    planned: planned.filter((address) => signalled.has(address)),
    open: counts.sent + counts['awaiting-gas'] + counts['funding-sent'] + counts.waiting + problems.length,
    sent: counts.sent,
    recorded: counts.recorded,
    awaitingGas: counts['awaiting-gas'],
    problems: problems.slice(0, PROBLEMS_SHOWN),
  };
}
