/**
 * A worker restarted over open invoice workflows (stub activities) on a dev server of the file's own: the new worker,
 * with none of them cached, replays at most WORKER_REPLAY_TASK_SLOTS at once and the rest wait on the server, while a
 * workflow it has cached again gets a sticky slot. bench/worker-restart.ts measures what that saves at scale.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@temporalio/client';
import { Worker, type CustomSlotSupplier, type WorkerOptions, type WorkflowSlotInfo } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, workerTuning } from '../../platform/config.js';
import { continueAsNewServer, workflowBundle, type ContinueAsNewServer } from '../support/temporal.js';
import {
  completedSinceSignal,
  startWaitingInvoices,
  lostTasksSinceSignal,
  waitingInvoiceActivities,
  wakeInvoices,
} from '../support/waiting-invoices.js';

const TASK_QUEUE = 'worker-restart';
const WORKFLOWS = 12;
const REPLAYS = 2;
let temporal: ContinueAsNewServer;

// the server's own suggestion to continue as new (run-length.ts): these runs never reach it
beforeAll(async () => void (temporal = await continueAsNewServer('worker-restart', 4_000)));
afterAll(async () => temporal?.stop());

/** The production tuning with its workflow task slots watched: the most replays in use at once, the sticky tasks. */
function watchedTuning() {
  const tuning = workerTuning(loadConfig({ WORKER_REPLAY_TASK_SLOTS: String(REPLAYS) }));
  const slots = tuning.tuner.workflowTaskSlotSupplier;
  const inUse = { replays: 0, maxReplays: 0, stickyTasks: 0 };
  const watched: CustomSlotSupplier<WorkflowSlotInfo> = {
    type: 'custom',
    reserveSlot: (ctx, abortSignal) => slots.reserveSlot(ctx, abortSignal),
    tryReserveSlot: () => slots.tryReserveSlot(),
    markSlotUsed(ctx) {
      if (ctx.slotInfo.isSticky) inUse.stickyTasks++;
      else inUse.maxReplays = Math.max(inUse.maxReplays, ++inUse.replays);
    },
    releaseSlot(ctx) {
      if (ctx.slotInfo && !ctx.slotInfo.isSticky) inUse.replays--;
      slots.releaseSlot(ctx);
    },
  };
  return { tuning: { ...tuning, tuner: { ...tuning.tuner, workflowTaskSlotSupplier: watched } }, inUse };
}

describe('a worker restarted over open workflows', () => {
  it('replays them a few at a time and takes their next tasks on its sticky queue', async () => {
    const client = new Client({ connection: temporal.connection });
    const invoices = waitingInvoiceActivities(60);
    const newWorker = (tuning: Partial<WorkerOptions>) =>
      Worker.create({
        connection: temporal.native,
        taskQueue: TASK_QUEUE,
        workflowBundle: workflowBundle(),
        activities: invoices.activities,
        ...tuning,
      });

    const before = await newWorker(workerTuning(loadConfig({})));
    const ids = await before.runUntil(async () => {
      const ids = await startWaitingInvoices(client, TASK_QUEUE, WORKFLOWS);
      while (!invoices.grown(WORKFLOWS)) await sleep(50);
      return ids;
    });

    await wakeInvoices(client, ids);
    const { tuning, inUse } = watchedTuning();
    const after = await newWorker(tuning);
    await after.runUntil(async () => {
      for (const id of ids) while (!(await completedSinceSignal(temporal.connection, id))) await sleep(100);
      // cached again: the next signal's task comes on the sticky queue
      const sticky = inUse.stickyTasks;
      await wakeInvoices(client, ids.slice(0, 1));
      while (inUse.stickyTasks === sticky) await sleep(50);
    });

    expect(inUse.maxReplays).toBe(REPLAYS);
    expect(inUse.replays).toBe(0);
    const lost = await Promise.all(ids.map((id) => lostTasksSinceSignal(temporal.connection, id)));
    expect(lost.map((l) => l.replayedAgain)).toEqual(Array(WORKFLOWS).fill(0));
  });
});
