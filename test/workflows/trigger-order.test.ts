/**
 * The trigger order workflow on the time-skipping server with its activities stubbed: the engine process's signal
 * settles it as fired (an OCO's naming the leg that fired), or as failed when the order it fired was refused; a cancel
 * Update releases a pending one (both legs of an OCO); a lost signal is made up for by its poll of the row.
 */
import { writeFile } from 'node:fs/promises';
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
  type TriggerState,
  type TriggerWorkflow,
} from '../../workflows/exchange/trigger/messages.js';
import { timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

const TASK_QUEUE = 'trigger-test';
let env: TestWorkflowEnvironment;
beforeAll(async () => {
  env = await timeSkippingEnvironment();
});
afterAll(() => env?.teardown());

async function withWorker(stored: () => TriggerState, body: () => Promise<void>) {
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
    },
  });
  await worker.runUntil(body);
}

const start = (id: string) =>
  env.client.workflow.start<TriggerWorkflow>(triggerWorkflowType, {
    taskQueue: TASK_QUEUE,
    workflowId: triggerWorkflowId(id),
    args: [{ triggerId: id, pollIntervalMs: 60_000 }],
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
});
