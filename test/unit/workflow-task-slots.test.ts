/** The worker's workflow task slots: replays (non-sticky polls) limited apart from the rest; bench/worker-restart.ts measures why. */
import type { SlotPermit, SlotReserveContext } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { defaultReplaySlots, WorkflowTaskSlots } from '../../platform/temporal/workflow-task-slots.js';

const poll = (isSticky: boolean) => ({ slotType: 'workflow', isSticky }) as SlotReserveContext;
const release = (slots: WorkflowTaskSlots, permit: SlotPermit) => slots.releaseSlot({ permit });
/** Whether the promise has settled by the next turn. */
const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('workflow task slots', () => {
  it('two replays a workflow thread: one runs while the other waits on the server', () => {
    expect(defaultReplaySlots()).toBe(2);
    expect(defaultReplaySlots(2)).toBe(4);
  });

  it('holds a replay beyond its limit until one ends, while sticky tasks still get slots', async () => {
    const slots = new WorkflowTaskSlots(4, 2);
    const never = new AbortController().signal;
    const [a, b] = await Promise.all([slots.reserveSlot(poll(false), never), slots.reserveSlot(poll(false), never)]);
    const third = slots.reserveSlot(poll(false), never);
    expect(await settled(third)).toBe(false);
    const sticky = await slots.reserveSlot(poll(true), never);
    expect(slots.tryReserveSlot()).not.toBeNull(); // an eager first task replays nothing
    release(slots, sticky);
    expect(await settled(third)).toBe(false);
    release(slots, a);
    expect(await settled(third)).toBe(true);
    release(slots, b);
    release(slots, await third);
  });

  it('holds every task beyond the total, sticky ones first come first served', async () => {
    const slots = new WorkflowTaskSlots(2, 2);
    const never = new AbortController().signal;
    const first = await slots.reserveSlot(poll(true), never);
    const second = await slots.reserveSlot(poll(false), never);
    expect(slots.tryReserveSlot()).toBeNull();
    const replay = slots.reserveSlot(poll(false), never);
    const sticky = slots.reserveSlot(poll(true), never);
    release(slots, first);
    expect(await settled(replay)).toBe(true);
    expect(await settled(sticky)).toBe(false);
    release(slots, second);
    expect(await settled(sticky)).toBe(true);
  });

  it('lets a waiting reservation go when the SDK aborts it, and keeps its place for no one', async () => {
    const slots = new WorkflowTaskSlots(3, 1);
    const never = new AbortController().signal;
    const held = await slots.reserveSlot(poll(false), never);
    const abort = new AbortController();
    const aborted = slots.reserveSlot(poll(false), abort.signal);
    const next = slots.reserveSlot(poll(false), never);
    abort.abort(new Error('poller stopped'));
    await expect(aborted).rejects.toThrow('poller stopped');
    release(slots, held);
    expect(await settled(next)).toBe(true);
    await expect(slots.reserveSlot(poll(false), AbortSignal.abort(new Error('gone')))).rejects.toThrow('gone');
  });
});
