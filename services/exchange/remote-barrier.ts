/**
 * The read barrier for markets other processes run, shared: one check of their journals and settled sequence numbers
 * (journal.ts, settledElsewhere) serves every caller that arrived before it started, so a busy API sends one such
 * check at a time instead of one per request. A caller never joins a check already under way: an order answered
 * after that check read the journal would not be covered by it.
 */
import type { Db } from '../../platform/db/client.js';
import { settledElsewhere } from './journal.js';

export class RemoteBarrier {
  /** The check that callers arriving now will wait for, not started yet. */
  private queued: Promise<boolean> | null = null;
  private current: Promise<unknown> = Promise.resolve();

  constructor(private readonly db: Db) {}

  /** Resolves true once `pairs` have settled everything journaled when this was called; false when one does not. */
  settled(pairs: string[]): Promise<boolean> {
    if (!this.queued) {
      const check = this.current
        .catch(() => {})
        .then(() => {
          // callers from now on need a check that starts after this one
          this.queued = null;
          return settledElsewhere(this.db, pairs);
        });
      this.queued = check;
      this.current = check;
    }
    return this.queued;
  }
}
