/**
 * Deposits credited together: credits arriving while a batch is being written go in the next SQL transaction, as the
 * ledger writer does for transfers (group commit). A burst of confirmed deposits then costs a few transactions, and
 * the hot custody account they all debit is locked once per batch instead of once per deposit.
 */
import { BatchQueue, retryOnRace } from '../../platform/db/batch-queue.js';
import type { Sql } from '../../platform/db/client.js';
import { creditDeposits, type CreditOutcome } from './store.js';

export class DepositCreditor {
  private readonly queue: BatchQueue<string, CreditOutcome>;

  constructor(sql: Sql, maxBatch = 500) {
    this.queue = new BatchQueue((ids) => retryOnRace(() => sql.begin((tx) => creditDeposits(tx, ids))), maxBatch);
  }

  /** Credits the deposit once; asking again answers with the credited deposit. */
  credit(depositId: string): Promise<CreditOutcome> {
    return this.queue.submit(depositId);
  }
}
