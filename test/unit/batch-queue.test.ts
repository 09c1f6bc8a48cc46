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
    /** Lets the batches committing now finish, and the queue start its next one. */
    releaseCurrent: async () => {
      releases.splice(0).forEach((release) => release());
      await settle();
      await settle();
    },
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

  it('starts the next batch once the one in flight releases its place, with every request that arrived until then', async () => {
    const batches: number[][] = [];
    const finish: Array<() => void> = [];
    const release: Array<() => void> = [];
    const queue = new BatchQueue<number, number>(async (batch, releasePlace) => {
      batches.push(batch);
      release.push(releasePlace);
      await new Promise<void>((resolve) => finish.push(resolve));
      return batch.map((n) => n * 10);
    }, 100);
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    const first = queue.submit(1);
    await settle();
    // arriving one turn after another while the first batch is under way: they wait, and go together
    const rest = [];
    for (const n of [2, 3, 4]) {
      rest.push(queue.submit(n));
      await settle();
    }
    expect(batches).toEqual([[1]]);
    // the first is committing: the next starts before it has finished, and releasing twice frees one place only
    release[0]!();
    release[0]!();
    await settle();
    const late = queue.submit(5);
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finish.splice(0).forEach((done) => done());
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4]]);
    finish.splice(0).forEach((done) => done());
    await settle();
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
    finish.splice(0).forEach((done) => done());
    expect(await Promise.all([first, ...rest, late])).toEqual([10, 20, 30, 40, 50]);
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

  it('evens out callers that split into alternating groups: a batch takes at most half of a cycle', async () => {
    const held = heldCommits();
    const queue = new BatchQueue(held.commit, 100, 1, { evenHalves: true });
    const answers = [queue.submit(1)];
    await held.settle();
    // 7 callers arrive while the lone request commits: the cycle (the last batch and the queue) is 8, a half 4
    answers.push(...[2, 3, 4, 5, 6, 7, 8].map((n) => queue.submit(n)));
    await held.releaseCurrent();
    expect(held.batches).toEqual([[1], [2, 3, 4, 5]]);
    // the lone caller is back while the half commits: the rest and it make the next half
    answers.push(queue.submit(9));
    await held.releaseCurrent();
    expect(held.batches.slice(2)).toEqual([[6, 7, 8, 9]]);
    await held.releaseAll();
    expect(await Promise.all(answers)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });

  it('sends a whole burst in one batch after the queue ran empty, and everything queued when it keeps up', async () => {
    const held = heldCommits();
    const queue = new BatchQueue(held.commit, 100, 1, { evenHalves: true });
    const first = queue.submit(1);
    await held.settle();
    await held.releaseCurrent();
    expect(await first).toBe(10);
    const burst = [2, 3, 4, 5, 6].map((n) => queue.submit(n));
    await held.settle();
    const meanwhile = [7, 8, 9, 10, 11].map((n) => queue.submit(n));
    await held.releaseAll();
    expect(held.batches).toEqual([[1], [2, 3, 4, 5, 6], [7, 8, 9, 10, 11]]);
    expect(await Promise.all([...burst, ...meanwhile])).toEqual([20, 30, 40, 50, 60, 70, 80, 90, 100, 110]);
  });

  it('with nextBeforeAnswers, starts the next batch before handing out the answers of the one that committed', async () => {
    const held = heldCommits();
    const queue = new BatchQueue(held.commit, 100, 1, { nextBeforeAnswers: true });
    let batchesStartedWhenAnswered = 0;
    const first = queue.submit(1).then((answer) => {
      batchesStartedWhenAnswered = held.batches.length;
      return answer;
    });
    await held.settle();
    const second = queue.submit(2);
    await held.releaseCurrent();
    expect(batchesStartedWhenAnswered).toBe(2);
    await held.releaseAll();
    expect(await Promise.all([first, second])).toEqual([10, 20]);
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
