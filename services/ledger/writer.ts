/**
 * The ledger's front door for high-rate callers. Requests arriving while a batch is being written wait and go
 * together in the next SQL transaction (group commit, as TigerBeetle's clients batch): one fsync serves many
 * transfers, and a hot account is locked once per batch instead of once per transfer.
 */
import type { TransferGroup } from '../../domain/ledger/engine.js';
import { BatchQueue, retryOnRace } from '../../platform/db/batch-queue.js';
import { beginWithReads } from '../../platform/db/begin-with-reads.js';
import type { Sql } from '../../platform/db/client.js';
import { readGroups, stageGroups, type GroupOutcome } from './journal.js';

export class LedgerWriter {
  private readonly queue: BatchQueue<TransferGroup, GroupOutcome>;

  /** `batchesInFlight`: see BatchQueue (WRITE_BATCHES_IN_FLIGHT in the API). */
  constructor(sql: Sql, batchesInFlight = 1, maxBatch = 500) {
    this.queue = new BatchQueue((groups, release) => commitWithRetry(sql, groups, release), maxBatch, batchesInFlight);
  }

  submit(group: TransferGroup): Promise<GroupOutcome> {
    return this.queue.submit(group);
  }
}

/**
 * Commits in a fresh transaction, retrying when a concurrent writer raced this one on a key or lock. Two round trips,
 * not four: BEGIN goes with the reads and locks (readGroups), COMMIT with the writes, which fail in SQL, never in a
 * check of their answers (journal.ts), so a failed write turns that COMMIT into a rollback and its error is the one
 * that arrives first (a key raced by another writer is a retry).
 */
function commitWithRetry(sql: Sql, groups: TransferGroup[], release: () => void): Promise<GroupOutcome[]> {
  return retryOnRace(() =>
    beginWithReads(
      sql,
      (tx, began) => readGroups(tx, groups, { began }),
      async (tx, read, commit) => {
        const { written } = await stageGroups(tx, groups, read);
        const committed = commit();
        // the next batch starts now, with what was submitted meanwhile: its BEGIN, locks and key lookups travel while
        // this COMMIT waits on its fsync, instead of after it and this batch's answers. Safe as two batches in flight
        // are (BatchQueue): locks are taken in one order, a shared account's second batch waits on the first's locks
        // and reads its committed sums, a key the first just wrote is found or refused by the unique index (a race,
        // retried). Through the API this is the other half of the clients, sent while this half was written
        release();
        const [outcomes] = await Promise.all([written, committed]);
        return outcomes;
      },
    ),
  );
}
