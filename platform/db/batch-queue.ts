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

  /**
   * `commit` answers each request of a batch, in order. `maxInFlight` batches may be committing at once: with 2, the
   * next batch's early statements run while the previous one waits on its commit's fsync (a writer whose batches
   * lock the same rows still applies them one after the other, as the row locks make the second wait). Keep 1 where
   * batches must commit in submission order (a journal).
   */
  constructor(
    private readonly commit: (batch: Req[]) => Promise<Res[]>,
    private readonly maxBatch: number,
    private readonly maxInFlight = 1,
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

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight < this.maxInFlight) {
      this.inFlight++;
      void this.commitBatch(this.queue.splice(0, this.maxBatch)).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  private async commitBatch(batch: Array<Waiting<Req, Res>>): Promise<void> {
    try {
      const results = await this.commit(batch.map((w) => w.request));
      batch.forEach((w, i) => w.resolve(results[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const waiting of batch) await this.commitBatch([waiting]);
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

/** Thrown by a transaction that finds a concurrent one wrote a key it was about to write; retryOnRace runs it again. */
export class WriteRaceError extends Error {}

const RACES = new Set<string>([PgError.UniqueViolation, PgError.SerializationFailure, PgError.DeadlockDetected]);
const MAX_ATTEMPTS = 5;

/** Runs a transaction again when a concurrent writer raced it on a unique key or a lock. */
export async function retryOnRace<T>(transaction: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transaction();
    } catch (error) {
      const race = error instanceof WriteRaceError || RACES.has(pgErrorCode(error) ?? '');
      if (!race || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
