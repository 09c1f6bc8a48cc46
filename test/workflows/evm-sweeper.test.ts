/**
 * The EVM sweeper and the retired collector on the time-skipping server, with the sweeper's tick replaced by a
 * scripted one so every wake-up runs: signalled wallets, a confirmation, the polling fallback, the idle look for
 * missed wallets, a burst larger than a tick, a failing sweep, a long run continuing as new, and a collector handing its
 * wallet over. RECORD_HISTORIES=1 records the histories the replay test runs; evm-sweeper-long-run.json is the long
 * run's test recorded before the sweeper continued as new at its bound.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evmCollectorWorkflow } from '../../workflows/collection/collector/workflow.js';
import { walletCreditedSignal } from '../../workflows/collection/collector/messages.js';
import { evmSweeperWorkflow } from '../../workflows/collection/sweeper/workflow.js';
import {
  sweeperStatusQuery,
  walletsCreditedSignal,
  type SweeperStatus,
  type SweepTickReport,
} from '../../workflows/collection/sweeper/messages.js';
import { transactionConfirmedSignal } from '../../workflows/evm-sends/messages.js';
import { recordHistory, runsOf, runWithWorker, timeSkippingEnvironment } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

const record = recordHistory;

const runWith = <T>(taskQueue: string, activities: object, body: () => Promise<T>) =>
  runWithWorker(env, taskQueue, activities, body);

/** Waits (in real time) until `ready` holds: the time-skipping server moves on while a test polls its fakes. */
async function until(ready: () => boolean, what: string) {
  for (let i = 0; i < 400 && !ready(); i++) await sleep(25);
  if (!ready()) throw new Error(`timed out waiting for ${what}`);
}

/** The sweeper's status once it has taken `ticks` tick reports (a report reaches it in a workflow task after the call). */
async function statusAfterTicks(handle: { query: (q: typeof sweeperStatusQuery) => Promise<SweeperStatus> }, ticks: number) {
  let status = await handle.query(sweeperStatusQuery);
  for (let i = 0; i < 400 && status.ticks < ticks; i++) {
    await sleep(25);
    status = await handle.query(sweeperStatusQuery);
  }
  return status;
}

type TickInput = { chain: string; wallets: string[]; lookForMissed?: boolean };
const tickReport = (overrides: Partial<SweepTickReport>): SweepTickReport => ({
  planned: [],
  open: 0,
  sent: 0,
  recorded: 0,
  awaitingGas: 0,
  problems: [],
  ...overrides,
});

describe('evmSweeperWorkflow', () => {
  it('plans the signalled wallets in one tick, ticks on a confirmation, polls while sweeps are open, then rests', async () => {
    const ticks: TickInput[] = [];
    const reports = [
      (input: TickInput) => tickReport({ planned: input.wallets, open: 3, sent: 2, awaitingGas: 1 }),
      () => tickReport({ open: 2, sent: 1 }), // the funding was mined: the token sweep goes out
      () => tickReport({ open: 0, recorded: 3 }), // found by the poll: all confirmed and recorded
      () => tickReport({}),
    ];
    const activities = {
      async sweepTick(input: TickInput): Promise<SweepTickReport> {
        ticks.push(input);
        return reports[Math.min(ticks.length - 1, reports.length - 1)]!(input);
      },
    };
    const { statuses, history } = await runWith('sweeper', activities, async () => {
      const handle = await env.client.workflow.signalWithStart(evmSweeperWorkflow, {
        taskQueue: 'sweeper',
        workflowId: 'sweeper:evm-31337',
        args: [{ chain: 'evm-31337' }],
        signal: walletsCreditedSignal,
        signalArgs: [{ addresses: ['0xAA', '0xbb'] }],
      });
      await until(() => ticks.length === 1, 'the first tick');
      const statuses = [await statusAfterTicks(handle, 1)];
      await handle.signal(transactionConfirmedSignal, { key: 'sweep:evm-31337:1:funding', hash: '0x01' });
      await until(() => ticks.length === 2, 'the tick a confirmation wakes');
      await env.sleep('16 seconds'); // nothing signalled: the open sweeps' poll
      await until(() => ticks.length === 3, 'the polling tick');
      statuses.push(await statusAfterTicks(handle, 3));
      await env.sleep('11 minutes'); // nothing open: a rare look for wallets a lost signal left
      await until(() => ticks.length === 4, 'the idle look');
      const history = await handle.fetchHistory();
      await handle.terminate('test over');
      return { statuses, history };
    });
    expect(ticks.map((t) => [t.wallets, t.lookForMissed])).toEqual([
      [['0xaa', '0xbb'], true],
      [[], false],
      [[], false],
      [[], true],
    ]);
    expect(statuses[0]).toMatchObject({ state: 'sweeping', wallets: 0, ticks: 1 });
    expect(statuses[1]).toMatchObject({ state: 'idle', ticks: 3, lastTick: { recorded: 3 } });
    // two workflow tasks per tick (one schedules it, one takes its report), whatever the number of wallets
    const events = history.events ?? [];
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes).length).toBeLessThanOrEqual(2 * ticks.length + 1);
    await record('evm-sweeper', history);
  });

  it('plans a wallet again when it is named again while a tick plans it', async () => {
    const ticks: TickInput[] = [];
    let nameAgain: (() => Promise<void>) | null = null;
    const activities = {
      async sweepTick(input: TickInput): Promise<SweepTickReport> {
        ticks.push(input);
        if (ticks.length === 1) await nameAgain!(); // a second deposit to the wallet credited during the plan
        return tickReport({ planned: input.wallets });
      },
    };
    await runWith('sweeper-again', activities, async () => {
      const handle = await env.client.workflow.signalWithStart(evmSweeperWorkflow, {
        taskQueue: 'sweeper-again',
        workflowId: 'sweeper:evm-31337:again',
        args: [{ chain: 'evm-31337' }],
        signal: walletsCreditedSignal,
        signalArgs: [{ addresses: ['0xaa'] }],
      });
      nameAgain = () => handle.signal(walletsCreditedSignal, { addresses: ['0xaa'] });
      await until(() => ticks.length === 2, 'the second tick');
      await handle.terminate('test over');
    });
    expect(ticks.map((t) => t.wallets)).toEqual([['0xaa'], ['0xaa']]);
  });

  it('shows a sweep that will not pass as failing, and takes a burst larger than a tick over several ticks', async () => {
    const ticks: TickInput[] = [];
    const addresses = Array.from({ length: 1_200 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
    const problem = { sweepId: '9', address: addresses[0]!, currency: 'USDT', error: 'would revert', transient: false };
    const activities = {
      async sweepTick(input: TickInput): Promise<SweepTickReport> {
        ticks.push(input);
        return tickReport({ planned: input.wallets, open: 1, problems: [problem] });
      },
    };
    const status = await runWith('sweeper-burst', activities, async () => {
      const handle = await env.client.workflow.signalWithStart(evmSweeperWorkflow, {
        taskQueue: 'sweeper-burst',
        workflowId: 'sweeper:evm-31337:burst',
        args: [{ chain: 'evm-31337' }],
        signal: walletsCreditedSignal,
        signalArgs: [{ addresses }],
      });
      await until(() => ticks.length === 3, 'three ticks');
      const status = await statusAfterTicks(handle, 3);
      await handle.terminate('test over');
      return status;
    });
    expect(ticks.map((t) => t.wallets.length)).toEqual([500, 500, 200]);
    expect(new Set(ticks.flatMap((t) => t.wallets)).size).toBe(1_200);
    expect(status).toMatchObject({ state: 'failing', wallets: 0, lastTick: { problems: [problem] } });
  });

  it('continues as new once its run is long, carrying the wallets it has not planned yet', async () => {
    const ticks: TickInput[] = [];
    const addresses = Array.from({ length: 30 }, (_, i) => `0x${i.toString(16).padStart(40, '0')}`);
    const activities = {
      async sweepTick(input: TickInput): Promise<SweepTickReport> {
        ticks.push(input);
        return tickReport({ planned: input.wallets.slice(0, 1), open: 1 }); // one a tick: the next tick follows at once
      },
    };
    const runs = await runWith('sweeper-long', activities, async () => {
      const handle = await env.client.workflow.signalWithStart(evmSweeperWorkflow, {
        taskQueue: 'sweeper-long',
        workflowId: 'sweeper:evm-31337:long',
        args: [{ chain: 'evm-31337', runHistoryLimit: 40 }],
        signal: walletsCreditedSignal,
        signalArgs: [{ addresses }],
      });
      await until(() => ticks.length >= 30, 'a tick per wallet');
      await handle.terminate('test over');
      return runsOf(env.client, handle.workflowId, handle.signaledRunId);
    });
    await record('evm-sweeper-continues-as-new', runs[0]);
    expect(runs.length).toBeGreaterThan(2);
    for (const run of runs) expect(run.events!.length).toBeLessThan(60);
    // every wallet planned once, in order, across the runs: those not planned yet were carried to the next
    expect(ticks.slice(0, 30).map((t) => t.wallets[0])).toEqual(addresses);
  });
});

describe('evmCollectorWorkflow (retired)', () => {
  it('hands a collector running now to the sweeper without running a step of its own', async () => {
    const steps: string[] = [];
    const ticks: TickInput[] = [];
    const activities = {
      async planSweeps() {
        steps.push('plan');
        return [];
      },
      async sweepTick(input: TickInput): Promise<SweepTickReport> {
        ticks.push(input);
        return tickReport({ planned: input.wallets });
      },
    };
    const result = await runWith('collector-retired', activities, async () => {
      const sweeper = await env.client.workflow.start(evmSweeperWorkflow, {
        taskQueue: 'collector-retired',
        workflowId: 'sweeper:evm-31338',
        args: [{ chain: 'evm-31338' }],
      });
      await until(() => ticks.length === 1, "the sweeper's first tick");
      const collector = await env.client.workflow.signalWithStart(evmCollectorWorkflow, {
        taskQueue: 'collector-retired',
        workflowId: 'collect:evm-31338:0xabc',
        args: [{ chain: 'evm-31338', address: '0xabc' }],
        signal: walletCreditedSignal,
        signalArgs: [],
      });
      const result = await collector.result();
      await record('evm-collector-retired', await collector.fetchHistory());
      await until(() => ticks.length === 2, 'the tick the hand-over wakes');
      await sweeper.terminate('test over');
      return result;
    });
    expect(steps).toEqual([]);
    expect(result).toEqual({ state: 'idle', sweep: null, sweepsFinished: 0 });
    expect(ticks[1]!.wallets).toEqual(['0xabc']);
  });
});
