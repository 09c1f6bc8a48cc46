/**
 * The ledger's front door for high-rate callers. Requests arriving while a batch is being written wait and go
 * together in the next SQL transaction (group commit, as TigerBeetle's clients batch): one fsync serves many
 * transfers, and a hot account is locked once per batch instead of once per transfer.
 */
import type { TransferGroup } from '../../domain/ledger.js';
import { PgError, pgErrorCode, type Sql } from '../client.js';
import { commitGroups, LedgerRaceError, type GroupOutcome } from './journal.js';

interface Waiting {
  group: TransferGroup;
  resolve: (outcome: GroupOutcome) => void;
  reject: (error: unknown) => void;
}

const RETRYABLE = new Set<string>([PgError.UniqueViolation, PgError.SerializationFailure, PgError.DeadlockDetected]);
const MAX_ATTEMPTS = 5;

export class LedgerWriter {
  private queue: Waiting[] = [];
  private flushing = false;

  constructor(
    private readonly sql: Sql,
    private readonly maxBatch = 500,
  ) {}

  submit(group: TransferGroup): Promise<GroupOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ group, resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        // let every request of this turn of the event loop join the first batch
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commit(batch);
      }
    } finally {
      this.flushing = false;
    }
  }

  private async commit(batch: Waiting[]): Promise<void> {
    try {
      const outcomes = await commitWithRetry(this.sql, batch.map((w) => w.group));
      batch.forEach((w, i) => w.resolve(outcomes[i]!));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      // one bad group must not fail its neighbours: commit each alone so only the culprit sees the error
      for (const waiting of batch) await this.commit([waiting]);
    }
  }
}

/** Commits in a fresh transaction, retrying when a concurrent writer raced this one on a key or lock. */
export async function commitWithRetry(sql: Sql, groups: TransferGroup[]): Promise<GroupOutcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await sql.begin((tx) => commitGroups(tx, groups));
    } catch (error) {
      const retryable = error instanceof LedgerRaceError || RETRYABLE.has(pgErrorCode(error) ?? '');
      if (!retryable || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
