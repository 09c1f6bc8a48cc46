import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RequestDeadlines } from '../../api/http/request-deadlines.js';

const timedOut = () => 'timed out';
const settled = async <T>(p: Promise<T>) =>
  p.then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.message }),
  );
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
/** Whether `p` is still pending once the microtasks ran out. */
const pending = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await vi.advanceTimersByTimeAsync(0);
  return !done;
};

describe('RequestDeadlines', () => {
  beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] }));
  afterEach(() => vi.useRealTimers());

  it('gives each request its own outcome, or the timeout once its own deadline has passed', async () => {
    const deadlines = new RequestDeadlines(1_000);
    const slow = settled(deadlines.race(later(5_000, 'slow'), timedOut));
    await vi.advanceTimersByTimeAsync(400);
    const quick = settled(deadlines.race(later(100, 'quick'), timedOut));
    const failing = settled(
      deadlines.race(
        later(50, 'failed').then(() => Promise.reject(new Error('its own error'))),
        timedOut,
      ),
    );
    const second = settled(deadlines.race(later(5_000, 'second'), timedOut));
    await vi.advanceTimersByTimeAsync(599); // 999 ms after the first
    expect(await pending(slow)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(await slow).toEqual({ value: 'timed out' });
    expect(await quick).toEqual({ value: 'quick' });
    expect(await failing).toEqual({ error: 'its own error' });
    await vi.advanceTimersByTimeAsync(399); // 999 ms after the second
    expect(await pending(second)).toBe(true);
    await vi.advanceTimersByTimeAsync(1);
    expect(await second).toEqual({ value: 'timed out' });
  });

  it('keeps timing requests that come after the queue ran empty', async () => {
    const deadlines = new RequestDeadlines(1_000);
    expect(await settled(deadlines.race(Promise.resolve('first'), timedOut))).toEqual({ value: 'first' });
    await vi.advanceTimersByTimeAsync(5_000);
    const stuck = settled(deadlines.race(new Promise<string>(() => {}), timedOut));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await stuck).toEqual({ value: 'timed out' });
  });
});

describe('RequestDeadlines, memory', () => {
  // node's collector, on demand (vitest does not start node with --expose-gc)
  setFlagsFromString('--expose-gc');
  const collectGarbage = runInNewContext('gc') as () => void;

  it('keeps nothing of a settled request while an older one still runs', async () => {
    const deadlines = new RequestDeadlines(60_000);
    void deadlines.race(new Promise(() => {}), timedOut); // the oldest, never settling: its entry stays at the front
    const collected = await (async () => {
      const context = { body: new Uint8Array(1_000_000) }; // stands for the request's context, held by its timeout
      const held = new WeakRef(context);
      await deadlines.race(Promise.resolve<unknown>('answered'), () => context);
      return held;
    })();
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(collected.deref()).toBeUndefined();
  });
});
