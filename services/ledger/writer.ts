/**
 * The ledger's front door for high-rate callers. Requests arriving while a batch is being written wait and go
 * together in the next SQL transaction (group commit, as TigerBeetle's clients batch): one fsync serves many
 * transfers, and a hot account is locked once per batch instead of once per transfer.
 */
import type { TransferGroup } from '../../domain/ledger/engine.js';
import { BatchQueue, retryOnRace } from '../../platform/db/batch-queue.js';
import { beginWithReads } from '../../platform/db/begin-with-reads.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import { readGroups, stageGroups, type GroupOutcome, type TransferRecord } from './journal.js';

/**
 * A caller's own statements that must commit with its group (an order's callback linked with the transfer that is the
 * order): run in the batch's transaction once the group's transfers are written, for a group that applied (not for a
 * replay nor a refusal). A failure rolls the batch back, and its requests are retried one by one (BatchQueue).
 */
export type WithGroup = (tx: Tx, transfers: TransferRecord[]) => Promise<unknown>;

interface Submission {
  group: TransferGroup;
  withGroup: WithGroup | undefined;
}

export class LedgerWriter {
  private readonly queue: BatchQueue<Submission, GroupOutcome>;

  /** `batchesInFlight`: see BatchQueue (WRITE_BATCHES_IN_FLIGHT in the API). */
  constructor(sql: Sql, batchesInFlight = 1, maxBatch = 500) {
    this.queue = new BatchQueue((batch, release) => commitWithRetry(sql, batch, release), maxBatch, batchesInFlight);
  }

  submit(group: TransferGroup, withGroup?: WithGroup): Promise<GroupOutcome> {
    return this.queue.submit({ group, withGroup });
  }
}

/**
 * Commits in a fresh transaction, retrying when a concurrent writer raced this one on a key or lock. Two round trips,
 * not four: BEGIN goes with the reads and locks (readGroups), COMMIT with the writes, which fail in SQL, never in a
 * check of their answers (journal.ts), so a failed write turns that COMMIT into a rollback and its error is the one
 * that arrives first (a key raced by another writer is a retry). A batch in which a request brings statements of its
 * own (WithGroup: rare, a transfer with a callback) sends them once its writes have answered, and COMMIT behind them.
 */
function commitWithRetry(sql: Sql, batch: Submission[], release: () => void): Promise<GroupOutcome[]> {
  const groups = batch.map((s) => s.group);
  // a batch of which no request brings statements of its own (the usual one) sends COMMIT with its writes
  const withGroups = batch.some((s) => s.withGroup !== undefined);
  return retryOnRace(() =>
    beginWithReads(
      sql,
      (tx, began) => readGroups(tx, groups, { began }),
      async (tx, read, commit) => {
        const { written } = await stageGroups(tx, groups, read);
        if (withGroups) await writeWithGroups(tx, batch, await written);
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

/** The requests' own statements (WithGroup), behind the batch's writes, those of every request at once. */
async function writeWithGroups(tx: Tx, batch: Submission[], outcomes: GroupOutcome[]): Promise<void> {
  await Promise.all(
    batch.map(({ withGroup }, i) => {
      const outcome = outcomes[i]!;
      return withGroup && outcome.ok && !outcome.replayed ? withGroup(tx, outcome.transfers) : undefined;
    }),
  );
}
