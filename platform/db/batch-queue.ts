/**
 * Group commit for any high-rate write: requests arriving while a batch is being committed wait and go together in
 * the next one, so one SQL transaction (one fsync, one lock of a hot row) serves many requests. A batch that throws
 * is retried one request at a time, so only the culprit sees the error. The ledger writer is one of its users.
 */
import { PgError, pgErrorCode } from './client.js';

interface Waiting<Req, Res> {
  request: Req;
  resolve: (result: Res) => void;
  reject: (error: unknown) => void;
}

export class BatchQueue<Req, Res> {
  private queue: Array<Waiting<Req, Res>> = [];
  private inFlight = 0;
  private scheduled = false;
  /** The size of the batch taken last, with the queue the requests of one cycle (`nextBatchSize`); 0 after idling. */
  private lastBatch = 0;

  /**
   * `commit` answers each request of a batch, in order. `maxInFlight` batches may be committing at once: with 2, the
   * next batch's early statements run while the previous one waits on its commit's fsync (a writer whose batches
   * lock the same rows still applies them one after the other, as the row locks make the second wait). Keep 1 where
   * batches must commit in submission order (a journal). `pacing`: for callers through the API, see `nextBatchSize`
   * and `commitBatch`. `commit` may call `release` to give up its place in flight before it ends: a writer whose next
   * batch can start once this one is committing (its COMMIT sent), and not earlier, so that the next batch takes every
   * request that arrived meanwhile instead of starting with the first few (the market's journal).
   */
  constructor(
    private readonly commit: (batch: Req[], release: () => void) => Promise<Res[]>,
    private readonly maxBatch: number,
    private readonly maxInFlight = 1,
    private readonly pacing: { evenHalves?: boolean; nextBeforeAnswers?: boolean } = {},
  ) {}

  submit(request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.maxInFlight || this.queue.length === 0) return;
    this.scheduled = true;
    // let every request of this turn of the event loop join the batch
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  /**
   * At most half of one cycle's requests (the last batch and those queued since), when that is fewer than the queue.
   * Callers who send their next request when answered (a client's connection, a worker's loop) otherwise settle into
   * two groups of any sizes that alternate, each arriving while the other commits; through the API, 64 clients split
   * 63 and 1, 12 and 52, 26 and 38 in different runs (bench/bets.ts). The small group pays a whole transaction for few
   * requests, and the API has nothing to parse while the large one commits. Halves alternate evenly: one half commits
   * while the API answers the other and reads its next requests. Under steady arrivals the queue holds about one batch,
   * and all of it goes; after the queue ran empty (no cycle to go by) so does the first batch. With more than one
   * batch in flight, batches overlap anyway and each takes what is queued. Only for queues that ask for it
   * (`evenHalves`, the bet placer).
   */
  private nextBatchSize(): number {
    const halves = this.pacing.evenHalves === true && this.maxInFlight === 1 && this.lastBatch > 0;
    const cycle = halves ? Math.ceil((this.lastBatch + this.queue.length) / 2) : this.queue.length;
    return Math.min(this.maxBatch, this.queue.length, Math.max(1, cycle));
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      this.inFlight++;
      this.lastBatch = this.nextBatchSize();
      void this.commitBatch(this.queue.splice(0, this.lastBatch));
    }
  }

  /**
   * Commits a batch and hands its answers out; the next batch starts after them (a turn of the event loop later, so
   * that what the answered callers submit joins it), or with `nextBeforeAnswers` before them: answering a batch's
   * callers through the API (writing their responses) runs in one go on the event loop, and the next batch's first
   * statements go to PostgreSQL meanwhile instead of after it. A market's journal, whose answered callers submit their
   * next orders at once, measured smaller batches and fewer orders a second with it (bench/orders.ts).
   */
  private async commitBatch(batch: Array<Waiting<Req, Res>>): Promise<void> {
    let holding = true;
    // the batch's place in flight is given up once, whether `commit` releases it early or the batch ends
    const free = () => {
      if (!holding) return false;
      holding = false;
      this.inFlight--;
      return true;
    };
    const release = () => {
      if (free()) this.schedule();
    };
    const answer = await this.answers(batch, release);
    if (!this.pacing.nextBeforeAnswers) answer();
    free();
    if (this.queue.length === 0 && this.inFlight === 0) this.lastBatch = 0;
    if (!this.pacing.nextBeforeAnswers) return this.schedule();
    this.flush();
    answer();
  }

  /**
   * Commits a batch (one that throws, again one request at a time: only the culprit sees the error) and returns what
   * hands each request its answer.
   */
  private async answers(batch: Array<Waiting<Req, Res>>, release: () => void): Promise<() => void> {
    try {
      const results = await this.commit(
        batch.map((w) => w.request),
        release,
      );
      return () => batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) return () => batch[0]!.reject(error);
      const each: Array<() => void> = [];
      for (const waiting of batch) each.push(await this.answers([waiting], release));
      return () => each.forEach((answer) => answer());
    }
  }
}

/**
 * Lookups by key through a BatchQueue: the keys asked for while a read is under way go together in the next one, so
 * many lanes reading a row each (a sweeper's tick over hundreds of wallets) cost a few queries, not hundreds. Nothing
 * is cached: each lookup is answered by a read that started after it was asked, as a direct read would be.
 */
export function batchedLookup<K, V>(
  load: (keys: K[]) => Promise<Map<K, V>>,
  maxBatch = 1_000,
): (key: K) => Promise<V | undefined> {
  const queue = new BatchQueue<K, V | undefined>(
    async (keys) => {
      const found = await load([...new Set(keys)]);
      return keys.map((key) => found.get(key));
    },
    maxBatch,
    2, // one read goes out while the next batch gathers
  );
  return (key) => queue.submit(key);
}

const RACES = new Set<string>([PgError.UniqueViolation, PgError.SerializationFailure, PgError.DeadlockDetected]);
const MAX_ATTEMPTS = 5;

/** Runs a transaction again when a concurrent writer raced it on a unique key or a lock. */
export async function retryOnRace<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const race = RACES.has(pgErrorCode(error) ?? '');
      if (!race || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
