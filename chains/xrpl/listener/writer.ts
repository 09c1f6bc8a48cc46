/**
 * The listener's buffered writer: payments wait in a buffer for company (flushMs), then one write stores them all
 * with the checkpoint; writes are serial and retried; past maxBuffered unwritten payments the stream must stop.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/log.js';
import type { DepositToSignal } from '../../../services/xrpl-tracking/payments-store.js';
import { storePayments, type Checkpoint, type SeenPayout } from '../../../services/xrpl-tracking/store-payments.js';
import type { XrplPayment } from '../../../domain/xrpl-tracking/payments.js';
import { CoalescingRunner } from '../../../platform/coalescing-runner.js';

export interface WriterOptions {
  sql: Sql;
  log: Logger;
  flushMs: number;
  maxBuffered: number;
  onDeposits(deposits: DepositToSignal[]): Promise<void>;
  onPayouts(payouts: SeenPayout[]): Promise<void>;
  /** What a write may record as complete, if anything; `lost` is told when that write failed. */
  checkpoints: { next(): Checkpoint | undefined; lost(): void };
  stats: { stored: number };
}

export class PaymentWriter {
  private buffer: XrplPayment[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly writes = new CoalescingRunner(() => this.writeBuffered());

  constructor(private readonly options: WriterOptions) {}

  add(payments: XrplPayment[]): void {
    this.buffer.push(...payments);
  }

  /** Why the stream must stop when the database is not keeping up; null while it is. */
  backlog(): string | null {
    return this.buffer.length >= this.options.maxBuffered
      ? `${this.buffer.length} payments not yet written: the database is not keeping up`
      : null;
  }

  scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flushNow();
    }, this.options.flushMs);
  }

  /** Resolves once everything received before the call is stored; writes are serial, each takes the whole buffer. */
  flushNow(): Promise<void> {
    return this.writes.run();
  }

  /** Writes the buffer (and the checkpoint) until a write succeeds, waiting longer after each failure. */
  private async writeBuffered(): Promise<void> {
    const { sql, log, checkpoints, stats } = this.options;
    for (let retryMs = 100; ; retryMs = Math.min(retryMs * 2, 10_000)) {
      const batch = this.buffer;
      this.buffer = [];
      const checkpoint = checkpoints.next();
      if (batch.length === 0 && !checkpoint) return;
      try {
        const outcome = await storePayments(sql, batch, checkpoint);
        stats.stored += outcome.inserted;
        this.signal(outcome.deposits, outcome.payouts);
        return;
      } catch (error) {
        this.buffer = batch.concat(this.buffer);
        if (checkpoint) checkpoints.lost();
        log.warn(
          { err: error instanceof Error ? error.message : String(error), payments: batch.length, retryInMs: retryMs },
          'could not store XRPL payments; retrying',
        );
        await sleep(retryMs);
      }
    }
  }

  /** Signals in the background: the outbox keeps unsignalled deposits, and withdrawals poll for their payouts. */
  private signal(deposits: DepositToSignal[], payouts: SeenPayout[]): void {
    const { log } = this.options;
    if (deposits.length > 0) {
      void this.options.onDeposits(deposits).catch((error) => log.warn({ err: error }, 'could not signal XRPL deposits yet'));
    }
    if (payouts.length > 0) {
      void this.options
        .onPayouts(payouts)
        .catch((error) => log.warn({ err: error }, 'could not signal XRPL payouts; the withdrawals will poll'));
    }
  }
}
