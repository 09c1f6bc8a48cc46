/** The coalescing runner: one pass at a time, calls during a pass covered by exactly one more pass. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { CoalescingRunner } from '../../platform/coalescing-runner.js';

/** A job whose passes finish when the test says so. */
function controlledJob() {
  const pending: Array<{ finish: () => void; fail: (error: Error) => void }> = [];
  let passes = 0;
  const job = () =>
    new Promise<void>((resolve, reject) => {
      passes += 1;
      pending.push({ finish: resolve, fail: reject });
    });
  const next = () => {
    const pass = pending.shift();
    if (!pass) throw new Error('no pass is running');
    return pass;
  };
  return { job, next, passes: () => passes, running: () => pending.length };
}

const settled = (promise: Promise<void>) => {
  const state = { done: false, error: null as unknown };
  promise.then(
    () => (state.done = true),
    (error: unknown) => (state.error = error),
  );
  return state;
};
const tick = () => sleep(0);

describe('CoalescingRunner', () => {
  it('runs one pass for a call made while idle', async () => {
    const { job, next, passes } = controlledJob();
    const runner = new CoalescingRunner(job);
    const call = settled(runner.run());
    expect(passes()).toBe(1);
    next().finish();
    await tick();
    expect(call.done).toBe(true);
    expect(passes()).toBe(1);
  });

  it('coalesces every call made during a pass into exactly one more pass, which covers them all', async () => {
    const { job, next, passes, running } = controlledJob();
    const runner = new CoalescingRunner(job);
    const first = settled(runner.run());
    const during = [settled(runner.run()), settled(runner.run()), settled(runner.run())];
    expect(passes()).toBe(1);

    next().finish();
    await tick();
    expect(passes()).toBe(2); // the calls during the first pass wait for a pass that started after them
    expect(running()).toBe(1);
    expect([first, ...during].some((call) => call.done)).toBe(false);

    next().finish();
    await tick();
    expect(passes()).toBe(2);
    expect([first, ...during].every((call) => call.done)).toBe(true);
  });

  it('starts new passes for a call made once the passes are over', async () => {
    const { job, next, passes } = controlledJob();
    const runner = new CoalescingRunner(job);
    const first = runner.run();
    next().finish();
    await first;
    const second = settled(runner.run());
    expect(passes()).toBe(2);
    next().finish();
    await tick();
    expect(second.done).toBe(true);
  });

  it('never runs two passes at once', async () => {
    let active = 0;
    let most = 0;
    const runner = new CoalescingRunner(async () => {
      active += 1;
      most = Math.max(most, active);
      await tick();
      active -= 1;
    });
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        for (let n = 0; n < i % 3; n += 1) await tick();
        await runner.run();
      }),
    );
    expect(most).toBe(1);
  });

  it('rejects the calls a failed pass covers, ends the scheduled passes, and runs again on the next call', async () => {
    const { job, next, passes } = controlledJob();
    const runner = new CoalescingRunner(job);
    const first = settled(runner.run());
    const during = settled(runner.run());
    next().fail(new Error('boom'));
    await tick();
    expect((first.error as Error).message).toBe('boom');
    expect((during.error as Error).message).toBe('boom');
    expect(passes()).toBe(1);

    const after = settled(runner.run());
    expect(passes()).toBe(2);
    next().finish();
    await tick();
    expect(after.done).toBe(true);
  });
});
