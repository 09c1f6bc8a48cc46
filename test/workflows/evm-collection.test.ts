/**
 * The EVM deposit and gas keeper workflows on the time-skipping server, with their activities replaced by scripted
 * ones so every branch and timer runs: signals and the polling fallback, drops, update validation, the low-balance
 * alert and its recovery, a long run continuing as new (the sweeper's are in evm-sweeper.test.ts). RECORD_HISTORIES=1
 * records the histories the replay test runs; gas-keeper-long-run.json is the long run's test recorded before the
 * keeper continued as new at its bound.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { createEvmDepositActivities } from '../../activities/deposits/evm.js';
import type { GasKeeperReport } from '../../activities/collection/gas-keeper.js';
import type { NewNotification } from '../../services/notifications/store.js';
import { inMinorUnits } from '../../domain/notifications/amounts.js';
import { evmDepositWorkflow } from '../../workflows/deposits/evm/workflow.js';
import { depositObservedSignal, evmDepositStatusQuery } from '../../workflows/deposits/evm/messages.js';
import { gasKeeperWorkflow } from '../../workflows/collection/gas-keeper/workflow.js';
import {
  fundGasUpdate,
  gasFundingWantedSignal,
  gasKeeperStatusQuery,
  type FundingRequest,
} from '../../workflows/collection/gas-keeper/messages.js';
import { sampleFields } from '../support/notification-templates.js';
import {
  firstWorkflowTaskCompleted,
  recordHistory,
  runsOf,
  runWithWorker,
  timeSkippingEnvironment,
} from '../support/temporal.js';

let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

type DepositActivities = ReturnType<typeof createEvmDepositActivities>;
type Settled = Awaited<ReturnType<DepositActivities['settleEvmDeposit']>>;

const record = recordHistory;

const runWith = <T>(taskQueue: string, activities: object, body: () => Promise<T>) =>
  runWithWorker(env, taskQueue, activities, body);

const depositInput = { depositId: '11', chain: 'evm-31337', currency: 'ETH', address: '0xabc', userId: 'u1' };

/** The one settling step, answering from a script of what the listener's record says each time it is read. */
function depositActivities(answers: Settled[]) {
  const calls: string[] = [];
  return {
    calls,
    activities: {
      async settleEvmDeposit(deposit: { depositId: string; address: string }): Promise<Settled> {
        const answer = answers.length > 1 ? answers.shift()! : answers[0]!;
        calls.push(`settle:${deposit.depositId}:${answer.state}`);
        return answer;
      },
    },
  };
}

describe('evmDepositWorkflow', () => {
  it('does nothing on first sight, then settles once when the listener says confirmed', async () => {
    const { calls, activities } = depositActivities([{ state: 'credited', confirmations: 2 }]);
    const { settledOnFirstSight, result, status, history } = await runWith('deposit-signal', activities, async () => {
      const handle = await env.client.workflow.signalWithStart(evmDepositWorkflow, {
        taskQueue: 'deposit-signal',
        workflowId: 'deposit:evm-31337:0xaa:0',
        args: [depositInput],
        signal: depositObservedSignal,
        signalArgs: [{ state: 'seen', confirmations: 1 }],
      });
      // the final word after the first task: sent before the worker polled it, it would be handled in that task
      await firstWorkflowTaskCompleted(handle);
      const settledOnFirstSight = [...calls];
      await handle.signal(depositObservedSignal, { state: 'confirmed', confirmations: 2 });
      const result = await handle.result();
      return {
        settledOnFirstSight,
        result,
        status: await handle.query(evmDepositStatusQuery),
        history: await handle.fetchHistory(),
      };
    });
    expect(settledOnFirstSight).toEqual([]);
    expect(result).toEqual({ state: 'credited', confirmations: 2 });
    expect(status).toEqual(result);
    expect(calls).toEqual(['settle:11:credited']);
    // on first sight, one workflow task and no activity; the settling task runs the local activity and completes
    const events = history.events ?? [];
    expect(events.filter((e) => e.workflowTaskCompletedEventAttributes)).toHaveLength(2);
    expect(events.filter((e) => e.activityTaskScheduledEventAttributes)).toHaveLength(0);
    await record('evm-deposit-settle-in-one-step', history);
  });

  it('settles at once when first seen already confirmed (a listener catching up)', async () => {
    const { calls, activities } = depositActivities([{ state: 'credited', confirmations: 5 }]);
    const result = await runWith('deposit-late', activities, async () => {
      const handle = await env.client.workflow.signalWithStart(evmDepositWorkflow, {
        taskQueue: 'deposit-late',
        workflowId: 'deposit:evm-31337:0xdd:0',
        args: [depositInput],
        signal: depositObservedSignal,
        signalArgs: [{ state: 'confirmed', confirmations: 5 }],
      });
      return handle.result();
    });
    expect(result).toEqual({ state: 'credited', confirmations: 5 });
    expect(calls).toEqual(['settle:11:credited']);
  });

  it('polls when no signal comes, and settles once the record says confirmed', async () => {
    const { calls, activities } = depositActivities([
      { state: 'confirming', confirmations: 1 },
      { state: 'credited', confirmations: 12 },
    ]);
    const result = await runWith('deposit-poll', activities, async () => {
      const handle = await env.client.workflow.start(evmDepositWorkflow, {
        taskQueue: 'deposit-poll',
        workflowId: 'deposit:evm-31337:0xbb:0',
        args: [depositInput],
      });
      return handle.result();
    });
    expect(result).toEqual({ state: 'credited', confirmations: 12 });
    expect(calls).toEqual(['settle:11:confirming', 'settle:11:credited']);
  });

  it('never credits a deposit the listener dropped', async () => {
    const { calls, activities } = depositActivities([{ state: 'dropped', confirmations: 1 }]);
    const result = await runWith('deposit-drop', activities, async () => {
      const handle = await env.client.workflow.signalWithStart(evmDepositWorkflow, {
        taskQueue: 'deposit-drop',
        workflowId: 'deposit:evm-31337:0xcc:0',
        args: [depositInput],
        signal: depositObservedSignal,
        signalArgs: [{ state: 'seen', confirmations: 1 }],
      });
      await handle.signal(depositObservedSignal, { state: 'dropped', confirmations: 1 });
      return handle.result();
    });
    expect(result.state).toBe('dropped');
    expect(calls).toEqual(['settle:11:dropped']);
  });
});

describe('gasKeeperWorkflow', () => {
  it('validates funding requests, queues them until affordable, alerts when low and recovers', async () => {
    const notifications: NewNotification[] = [];
    const ticks: FundingRequest[][] = [];
    const report = (overrides: Partial<GasKeeperReport>): GasKeeperReport => ({
      address: '0xkeeper',
      balance: '1000',
      currency: 'ETH',
      committed: '0',
      checkedAt: 'now',
      openSends: 0,
      low: false,
      sent: [],
      settings: { minBalance: '500', maxFunding: '100', pollSeconds: 30 },
      ...overrides,
    });
    // low on the first two ticks (nothing can be sent), topped up from the third, as a report recorded before the tick
    // named the native currency
    const activities = {
      async gasKeeperTick(input: { queue: FundingRequest[] }) {
        ticks.push(input.queue);
        if (ticks.length <= 2) return report({ low: true, balance: '10' });
        return report({ sent: input.queue.map((r) => r.requestId), currency: undefined });
      },
      async recordNotification(n: NewNotification) {
        notifications.push(n);
      },
    };
    const { statusLow, statusRecovered, history, rejections, duplicate } = await runWith('keeper', activities, async () => {
      const handle = await env.client.workflow.start(gasKeeperWorkflow, {
        taskQueue: 'keeper',
        workflowId: 'gas-keeper:evm-31337',
        args: [{ chain: 'evm-31337', settings: { minBalance: '500', maxFunding: '100', pollSeconds: 30 } }],
      });
      const request = {
        requestId: 'sweep:evm-31337:1:funding',
        to: `0x${'ab'.repeat(20)}`,
        amount: '60',
        notify: 'sweeper:evm-31337',
      };
      const rejections = await Promise.all(
        [
          { ...request, amount: '101' },
          { ...request, amount: '0' },
          { ...request, to: 'nowhere' },
          { ...request, requestId: '' },
        ].map((bad) =>
          handle.executeUpdate(fundGasUpdate, { args: [bad] }).then(
            () => 'accepted',
            (error: Error) => error.message,
          ),
        ),
      );
      expect(await handle.executeUpdate(fundGasUpdate, { args: [request] })).toEqual({
        requestId: request.requestId,
        duplicate: false,
      });
      const duplicate = await handle.executeUpdate(fundGasUpdate, { args: [request] });
      const statusLow = await handle.query(gasKeeperStatusQuery);
      await env.sleep('65 seconds');
      const statusRecovered = await handle.query(gasKeeperStatusQuery);
      const history = await handle.fetchHistory();
      await handle.terminate('test over');
      return { statusLow, statusRecovered, history, rejections, duplicate };
    });
    expect(rejections.every((r) => r !== 'accepted')).toBe(true);
    expect(duplicate).toEqual({ requestId: 'sweep:evm-31337:1:funding', duplicate: true });
    expect(statusLow).toMatchObject({ low: true, lowIncidents: 1, queue: [expect.objectContaining({ amount: '60' })] });
    expect(statusRecovered).toMatchObject({ low: false, queue: [] });
    expect(notifications.map((n) => [n.key, n.kind, n.userId])).toEqual([
      ['gas-keeper:evm-31337:low:1', 'gas_keeper_low', null],
      ['gas-keeper:evm-31337:low:1:recovered', 'gas_keeper_recovered', null],
    ]);
    // wei named with the native currency, for the recording activity to write in its scale; wei when it is not named
    expect(notifications.map((n) => n.body)).toEqual([
      {
        chain: 'evm-31337',
        address: '0xkeeper',
        currency: 'ETH',
        balance: inMinorUnits('10', 'ETH'),
        threshold: inMinorUnits('500', 'ETH'),
        queued: expect.any(Number),
      },
      { chain: 'evm-31337', address: '0xkeeper', balance: '1000', threshold: '500' },
    ]);
    // the low alert has the fields of its type's sample, which its templates are written against
    expect(Object.keys(notifications[0]!.body!).sort()).toEqual(sampleFields('gas_keeper_low'));
    expect(ticks.some((queue) => queue.length === 1)).toBe(true);
    await record('gas-keeper', history);
  });

  it('ticks at once when the sweeper says sweeps wait for gas, and shows what it could not pay for yet', async () => {
    const waiting = {
      requestId: 'sweep:evm-31337:7:funding',
      to: `0x${'cd'.repeat(20)}`,
      amount: '60',
      notify: 'sweeper:evm-31337',
    };
    let ticks = 0;
    const activities = {
      async gasKeeperTick(): Promise<GasKeeperReport> {
        ticks++;
        return {
          address: '0xkeeper',
          balance: '10',
          committed: '0',
          checkedAt: 'now',
          openSends: 0,
          low: true,
          sent: [],
          waiting: ticks > 1 ? [waiting] : [],
          settings: { minBalance: '5', maxFunding: '100', pollSeconds: 3600 },
        };
      },
      async recordNotification() {},
    };
    const { status, history } = await runWith('keeper-signal', activities, async () => {
      const handle = await env.client.workflow.start(gasKeeperWorkflow, {
        taskQueue: 'keeper-signal',
        workflowId: 'gas-keeper:evm-31337:signal',
        args: [{ chain: 'evm-31337', settings: { minBalance: '5', maxFunding: '100', pollSeconds: 3600 } }],
      });
      // signalled once the first tick has begun (signals that came with the start are that tick's own): both arrive
      // before the keeper's next tick, or one during it: two ticks at most, never one per signal
      for (let i = 0; i < 100 && ticks === 0; i++) await sleep(50);
      await handle.signal(gasFundingWantedSignal);
      await handle.signal(gasFundingWantedSignal);
      let status = await handle.query(gasKeeperStatusQuery);
      for (let i = 0; i < 100 && !status.waiting?.length; i++) {
        await sleep(50);
        status = await handle.query(gasKeeperStatusQuery);
      }
      const history = await handle.fetchHistory();
      await handle.terminate('test over');
      return { status, history };
    });
    await record('gas-keeper-signalled', history);
    expect(ticks).toBeGreaterThanOrEqual(2);
    expect(ticks).toBeLessThanOrEqual(3);
    expect(status.waiting).toEqual([waiting]);
  });

  it('continues as new once its run is long, carrying its queue and its alert, and alerts once', async () => {
    const settings = { minBalance: '500', maxFunding: '100', pollSeconds: 30 };
    const notifications: NewNotification[] = [];
    let ticks = 0;
    const activities = {
      async gasKeeperTick(): Promise<GasKeeperReport> {
        ticks++;
        const report = { address: '0xkeeper', balance: '10', committed: '0', checkedAt: 'now', openSends: 0, sent: [] };
        return { ...report, currency: 'ETH', low: true, settings };
      },
      async recordNotification(n: NewNotification) {
        notifications.push(n);
      },
    };
    const request = { requestId: 'sweep:evm-31337:3:funding', to: `0x${'ef'.repeat(20)}`, amount: '60', notify: 'x' };
    const { runs, status } = await runWith('keeper-long', activities, async () => {
      const handle = await env.client.workflow.start(gasKeeperWorkflow, {
        taskQueue: 'keeper-long',
        workflowId: 'gas-keeper:evm-31337:long',
        args: [{ chain: 'evm-31337', settings, runHistoryLimit: 40 }],
      });
      await handle.executeUpdate(fundGasUpdate, { args: [request] });
      await env.sleep('10 minutes'); // twenty balance checks on its timer
      for (let i = 0; i < 100 && ticks < 20; i++) await sleep(50);
      const status = await handle.query(gasKeeperStatusQuery);
      await handle.terminate('test over');
      return { runs: await runsOf(env.client, handle.workflowId, handle.firstExecutionRunId), status };
    });
    await record('gas-keeper-continues-as-new', runs[0]);
    expect(runs.length).toBeGreaterThan(2);
    for (const run of runs) expect(run.events!.length).toBeLessThan(60);
    // the last run still holds the request it could not pay for, and knows the balance was already low
    expect(status).toMatchObject({ low: true, lowIncidents: 1, queue: [request] });
    expect(notifications.map((n) => n.kind)).toEqual(['gas_keeper_low']);
  });
});
