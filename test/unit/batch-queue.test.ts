/** Group commit's queue: how many batches commit at once, what each request is answered, and who sees an error. */
import { describe, expect, it } from 'vitest';
import { BatchQueue, batchedLookup } from '../../platform/db/batch-queue.js';

/** A commit that waits until the test releases it, recording each batch it was given and the most ever at once. */
function heldCommits() {
  const batches: number[][] = [];
  const releases: Array<() => void> = [];
  let open = 0;
  let mostAtOnce = 0;
  const commit = async (batch: number[]) => {
    batches.push(batch);
    open++;
    mostAtOnce = Math.max(mostAtOnce, open);
    await new Promise<void>((resolve) => releases.push(resolve));
    open--;
    if (batch.includes(13)) throw new Error('13 is refused');
    return batch.map((n) => n * 10);
  };
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return {
    commit,
    batches,
    releaseAll: async () => {
      while (releases.length > 0) {
        releases.splice(0).forEach((release) => release());
        await settle();
        await settle();
      }
    },
    settle,
    mostAtOnce: () => mostAtOnce,
  };
}

describe('BatchQueue', () => {
  it('commits one batch at a time by default: requests arriving meanwhile wait and go together', async () => {
    const held = heldCommits();
    const queue = new BatchQueue(held.commit, 100);
    const first = [1, 2].map((n) => queue.submit(n));
    await held.settle();
    const second = [3, 4, 5].map((n) => queue.submit(n));
    await held.settle();
    expect(held.batches).toEqual([[1, 2]]);
    await held.releaseAll();
    expect(await Promise.all([...first, ...second])).toEqual([10, 20, 30, 40, 50]);
    expect(held.batches).toEqual([
      [1, 2],
      [3, 4, 5],
    ]);
    expect(held.mostAtOnce()).toBe(1);
  });

  it('starts a second batch while the first commits when two may be in flight, and no third', async () => {
    const held = heldCommits();
    const queue = new BatchQueue(held.commit, 100, 2);
    const first = [1, 2].map((n) => queue.submit(n));
    await held.settle();
    const second = [3, 4].map((n) => queue.submit(n));
    await held.settle();
    const third = [5, 6, 7].map((n) => queue.submit(n));
    await held.settle();
    expect(held.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    await held.releaseAll();
    expect(await Promise.all([...first, ...second, ...third])).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(held.batches.slice(2)).toEqual([[5, 6, 7]]);
    expect(held.mostAtOnce()).toBe(2);
  });

  it('cuts batches at maxBatch and keeps every request in order', async () => {
    const held = heldCommits();
    const queue = new BatchQueue(held.commit, 2, 2);
    const all = [1, 2, 3, 4, 5].map((n) => queue.submit(n));
    await held.settle();
    expect(held.batches).toEqual([
      [1, 2],
      [3, 4],
    ]);
    await held.releaseAll();
    expect(await Promise.all(all)).toEqual([10, 20, 30, 40, 50]);
    expect(held.batches.slice(2)).toEqual([[5]]);
  });

  it('retries a failed batch one request at a time, so only the culprit sees the error', async () => {
    const held = heldCommits();
    const queue = new BatchQueue(held.commit, 100, 2);
    const outcomes = [12, 13, 14].map((n) => queue.submit(n).catch((error: Error) => error.message));
    await held.settle();
    await held.releaseAll();
    expect(await Promise.all(outcomes)).toEqual([120, '13 is refused', 140]);
  });
});

describe('batchedLookup', () => {
  it('reads the keys asked for together in one load, each key once, and answers a key not found with undefined', async () => {
    const loads: string[][] = [];
    const lookup = batchedLookup(async (keys: string[]) => {
      loads.push(keys);
      return new Map(keys.filter((k) => k !== 'gone').map((k) => [k, k.toUpperCase()]));
    });
    const answers = await Promise.all(['a', 'b', 'a', 'gone'].map((k) => lookup(k)));
    expect(answers).toEqual(['A', 'B', 'A', undefined]);
    expect(loads).toEqual([['a', 'b', 'gone']]);
  });

  it('answers each lookup from a read that started after it was asked', async () => {
    let value = 'old';
    const started: string[] = [];
    const lookup = batchedLookup(async (keys: string[]) => {
      started.push(value);
      return new Map(keys.map((k) => [k, value]));
    });
    const before = lookup('k');
    value = 'new'; // written before the read goes out: the lookup sees it, as a direct read would
    expect(await before).toBe('new');
    expect(await lookup('k')).toBe('new');
    expect(started).toEqual(['new', 'new']);
  });
});
