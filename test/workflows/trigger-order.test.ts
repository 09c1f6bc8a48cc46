/**
 * The trigger order workflow on the time-skipping server with its activities stubbed: the engine process's signal
 * settles it as fired (an OCO's naming the leg that fired), or as failed when the order it fired was refused; a cancel
 * Update releases a pending one (both legs of an OCO), and a second sent meanwhile is refused; a lost signal is made up for by its poll of the row; a long
 * wait continues as new, never with a cancel under way. RECORD_HISTORIES=1 records the replay test's histories;
 * trigger-order-long-wait.json is the long wait's first run recorded before the change, which never continued as new.
 */
import { writeFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import {
  cancelTriggerUpdate,
  triggerFailedSignal,
  triggerFiredSignal,
  triggerSearchAttributes,
  triggerWorkflowId,
  triggerWorkflowType,
  type TriggerInput,
  type TriggerState,
  type TriggerWorkflow,
} from '../../workflows/exchange/trigger/messages.js';
import { recordHistory, runsOf, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

const TASK_QUEUE = 'trigger-test';
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

async function withWorker(stored: () => TriggerState, body: () => Promise<void>, activities: object = {}) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities: {
      async cancelTriggerOrder(input: { triggerId: string }): Promise<TriggerState> {
        return { triggerId: input.triggerId, status: 'cancelled', orderId: null };
      },
      async loadTriggerState(): Promise<TriggerState> {
        return stored();
      },
      ...activities,
    },
  });
  await worker.runUntil(body);
}

const start = (id: string, input: Partial<TriggerInput> = {}) =>
  env.client.workflow.start<TriggerWorkflow>(triggerWorkflowType, {
    taskQueue: TASK_QUEUE,
    workflowId: triggerWorkflowId(id),
    args: [{ triggerId: id, pollIntervalMs: 60_000, ...input }],
    typedSearchAttributes: triggerSearchAttributes({ userId: 'u1', pair: 'BTC-USDT' }),
  });

describe('the trigger order workflow', () => {
  it('ends fired on the signal, with its status searchable', async () => {
    await withWorker(
      () => ({ triggerId: '1', status: 'pending', orderId: null }),
      async () => {
        const handle = await start('1');
        await handle.signal(triggerFiredSignal, { orderId: '42' });
        expect(await handle.result()).toEqual({ triggerId: '1', status: 'fired', orderId: '42' });
        expect((await handle.describe()).typedSearchAttributes.get(SluiceStatus)).toBe('fired');
      },
    );
  });

  it('is cancelled by Update while pending', async () => {
    await withWorker(
      () => ({ triggerId: '2', status: 'pending', orderId: null }),
      async () => {
        const handle = await start('2');
        const state = await handle.executeUpdate(cancelTriggerUpdate, { args: [{ by: 'u1' }] });
        expect(state.status).toBe('cancelled');
        expect(await handle.result()).toMatchObject({ status: 'cancelled' });
      },
    );
  });

  it('learns from its row that it fired when the signal was lost', async () => {
    let stored: TriggerState = { triggerId: '3', status: 'pending', orderId: null };
    await withWorker(
      () => stored,
      async () => {
        const handle = await start('3');
        stored = { triggerId: '3', status: 'fired', orderId: '7' };
        await env.sleep(61_000);
        expect(await handle.result()).toEqual(stored);
      },
    );
  });

  it('an OCO ends fired by the leg that fired first, and records a history to replay', async () => {
    await withWorker(
      () => ({ triggerId: '4', status: 'pending', orderId: null }),
      async () => {
        const handle = await start('4');
        await env.sleep(61_000); // one poll of the row while pending
        await handle.signal(triggerFiredSignal, { orderId: '43', leg: 'stop_limit' });
        await handle.signal(triggerFiredSignal, { orderId: '44', leg: 'take_profit' }); // too late: one order per trigger
        expect(await handle.result()).toEqual({ triggerId: '4', status: 'fired', orderId: '43', firedLeg: 'stop_limit' });
        if (process.env.RECORD_HISTORIES) {
          const history = await handle.fetchHistory();
          await writeFile(new URL('../fixtures/histories/trigger-order.json', import.meta.url), historyToJSON(history));
        }
      },
    );
  });

  it('an OCO cancelled by Update cancels both legs; its row says which leg fired when the signal was lost', async () => {
    await withWorker(
      () => ({ triggerId: '5', status: 'pending', orderId: null }),
      async () => {
        const handle = await start('5');
        expect(await handle.executeUpdate(cancelTriggerUpdate, { args: [{ by: 'u1' }] })).toMatchObject({
          status: 'cancelled',
        });
        await expect(handle.executeUpdate(cancelTriggerUpdate, { args: [{ by: 'u1' }] })).rejects.toThrow();
      },
    );
    const stored: TriggerState = { triggerId: '6', status: 'fired', orderId: '8', firedLeg: 'take_profit' };
    await withWorker(
      () => stored,
      async () => {
        const handle = await start('6');
        await env.sleep(61_000);
        expect(await handle.result()).toEqual(stored);
      },
    );
  });

  it('ends failed on the failed signal, with the reason and searchable; a late fired signal changes nothing', async () => {
    await withWorker(
      () => ({ triggerId: '7', status: 'pending', orderId: null }),
      async () => {
        const handle = await start('7');
        await env.sleep(61_000); // one poll of the row while pending
        await handle.signal(triggerFailedSignal, { reason: 'pair_disabled' });
        await handle.signal(triggerFiredSignal, { orderId: '45' }); // too late: it ended
        expect(await handle.result()).toEqual({
          triggerId: '7',
          status: 'failed',
          orderId: null,
          failureReason: 'pair_disabled',
        });
        expect((await handle.describe()).typedSearchAttributes.get(SluiceStatus)).toBe('failed');
        if (process.env.RECORD_HISTORIES) {
          const history = await handle.fetchHistory();
          await writeFile(new URL('../fixtures/histories/trigger-order-failed.json', import.meta.url), historyToJSON(history));
        }
      },
    );
  });

  it('learns from its row that it failed when the signal was lost', async () => {
    const stored: TriggerState = { triggerId: '8', status: 'failed', orderId: null, failureReason: 'amount_below_minimum' };
    await withWorker(
      () => stored,
      async () => {
        const handle = await start('8');
        await env.sleep(61_000);
        expect(await handle.result()).toEqual(stored);
      },
    );
  });

  it('continues as new while it waits, and ends fired on the signal to its latest run', async () => {
    await withWorker(
      () => ({ triggerId: '9', status: 'pending', orderId: null }),
      async () => {
        const handle = await start('9', { runHistoryLimit: 40 });
        await env.sleep('15 minutes'); // 15 looks at its row, 11 history events each
        await handle.signal(triggerFiredSignal, { orderId: '46', leg: 'stop_limit' });
        expect(await handle.result()).toEqual({ triggerId: '9', status: 'fired', orderId: '46', firedLeg: 'stop_limit' });
        const runs = await runsOf(env.client, handle.workflowId, handle.firstExecutionRunId);
        await recordHistory('trigger-continues-as-new', runs[0]);
        expect(runs.length).toBeGreaterThan(3);
        for (const run of runs) expect(run.events!.length).toBeLessThan(60);
        expect((await handle.describe()).typedSearchAttributes.get(SluiceStatus)).toBe('fired');
      },
    );
  });

  it('lets a cancel under way finish before a long run would continue as new, and ends cancelled', async () => {
    const pending: TriggerState = { triggerId: '10', status: 'pending', orderId: null };
    let looks = 0;
    let cancelled: Promise<TriggerState> | undefined;
    let cancelStarted!: () => void;
    const cancelling = new Promise<void>((resolve) => (cancelStarted = resolve));
    await withWorker(
      () => pending,
      async () => {
        const handle = await start('10', { runHistoryLimit: 1 }); // each look ends its run
        expect(await handle.result()).toMatchObject({ status: 'cancelled' });
        expect(await cancelled).toMatchObject({ status: 'cancelled' });
        expect((await runsOf(env.client, handle.workflowId, handle.firstExecutionRunId)).length).toBe(3);
      },
      {
        async loadTriggerState(): Promise<TriggerState> {
          if (++looks === 3) {
            // the owner cancels while the third run looks at its row: the cancel is under way when the look returns
            const handle = env.client.workflow.getHandle<TriggerWorkflow>(triggerWorkflowId('10'));
            cancelled = handle.executeUpdate(cancelTriggerUpdate, { args: [{ by: 'u1' }] });
            await cancelling;
          }
          return pending;
        },
        async cancelTriggerOrder({ triggerId }: { triggerId: string }): Promise<TriggerState> {
          cancelStarted();
          await sleep(500); // still releasing the hold when the look's answer reaches the workflow
          return { triggerId, status: 'cancelled', orderId: null };
        },
      },
    );
  });

  it('refuses a second cancel sent while the first is under way: only the first cancelled it', async () => {
    let cancels = 0;
    await withWorker(
      () => ({ triggerId: '11', status: 'pending', orderId: null }),
      async () => {
        const handle = await start('11');
        const first = handle.executeUpdate(cancelTriggerUpdate, { args: [{ by: 'u1' }] });
        await waitForCancelActivity(() => cancels);
        const second = handle.executeUpdate(cancelTriggerUpdate, { args: [{ by: 'u1' }] });
        await expect(second).rejects.toMatchObject({ cause: { message: 'the trigger is being cancelled' } });
        expect(await first).toMatchObject({ status: 'cancelled' });
        expect(cancels).toBe(1);
      },
      {
        async cancelTriggerOrder({ triggerId }: { triggerId: string }): Promise<TriggerState> {
          cancels += 1;
          await sleep(1_000); // the row's cancel and the hold's release take a while
          return { triggerId, status: 'cancelled', orderId: null };
        },
      },
    );
  });
});

async function waitForCancelActivity(started: () => number): Promise<void> {
  while (started() === 0) await sleep(10);
}
