/**
 * First attempts outside Temporal. As soon as the transaction that published an event commits (NOTIFY), the worker
 * makes each new delivery's first attempt itself, straight from the stored row, under a lease
 * (services/webhooks/deliveries-store.ts: `claimFirstAttempt`), with the very activity function the workflow runs, so
 * the attempt is signed, bounded, and logged the same way. Only a delivery that must be retried gets its workflow
 * (`webhook:<event>:<endpoint>`), which finds attempt 1 recorded and waits for the schedule's first retry. So a healthy
 * merchant's delivery costs the Temporal server nothing, and a burst is not paced by workflow starts. A delivery is
 * claimed only in its turn (one invoice's events in order, deliveries-store.ts), so lanes never race one subject.
 *
 * Nothing is lost on the way: a worker that dies mid-attempt leaves its lease to run out, and the sweep starts the
 * delivery's workflow (which repeats attempt 1 if it was not recorded: at least once, as before); a start that fails
 * after a retryable attempt is the sweep's too.
 */
import type { DeliveryStatus } from '../../domain/webhooks/delivery.js';
import { retryDelayAfter } from '../../domain/webhooks/delivery.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { startStored, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import { claimFirstAttempt, type DeliveryRow } from '../../services/webhooks/deliveries-store.js';

export interface FirstAttemptDeps {
  sql: Sql;
  log: Logger;
  attempt(input: { deliveryId: string; attempt: number; retryInMs: number | null }): Promise<DeliveryStatus>;
  outbox: WorkflowOutbox<DeliveryRow>;
  retryDelaysMs: readonly number[];
  /** First attempts in flight at most: they wait on merchants (seconds each), not on this process's CPU. */
  maxLanes?: number;
}

export class FirstAttempts {
  private lanes = 0;
  private wakes = 0;
  private stopped = false;
  private readonly idle: Array<() => void> = [];
  private readonly maxLanes: number;

  constructor(private readonly deps: FirstAttemptDeps) {
    this.maxLanes = deps.maxLanes ?? 64;
  }

  /** New deliveries were stored (a NOTIFY, or the listener connected): one more lane takes them. */
  wake(): void {
    this.wakes += 1;
    this.addLane();
  }

  /** Stops taking deliveries; resolves once the attempts under way are recorded. */
  close(): Promise<void> {
    this.stopped = true;
    return this.lanes === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  private addLane(): void {
    if (this.stopped || this.lanes >= this.maxLanes) return;
    this.lanes += 1;
    void this.lane().finally(() => {
      this.lanes -= 1;
      if (this.lanes === 0) this.idle.splice(0).forEach((resolve) => resolve());
    });
  }

  /** Takes deliveries one at a time until none is left (and no wake came meanwhile); finding one calls a companion. */
  private async lane(): Promise<void> {
    while (!this.stopped) {
      const seen = this.wakes;
      const row = await claimFirstAttempt(this.deps.sql).catch((error: unknown) => {
        this.deps.log.warn({ err: error }, 'could not claim a webhook first attempt; the sweep will start its workflow');
        return null;
      });
      if (!row) {
        if (seen === this.wakes) return;
        continue;
      }
      this.addLane(); // a backlog (a batch's many deliveries under one NOTIFY) fans out over more lanes
      await this.attemptFirst(row);
    }
  }

  private async attemptFirst(row: DeliveryRow): Promise<void> {
    try {
      const status = await this.deps.attempt({
        deliveryId: row.id,
        attempt: 1,
        retryInMs: retryDelayAfter(1, this.deps.retryDelaysMs),
      });
      if (status === 'pending') await startStored(this.deps.outbox, [row], this.deps.log, 1);
    } catch (error) {
      this.deps.log.warn({ err: error, delivery: row.id }, 'webhook first attempt failed; the sweep will start its workflow');
    }
  }
}
