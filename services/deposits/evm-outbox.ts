/**
 * The listener's outbox: every recorded change a workflow must hear of is signalled after its SQL transaction
 * committed, and marked signalled only once Temporal accepted the signal. What a crash left unsignalled goes out on
 * the next round, after a restart too. A round's signals go out concurrently (a burst of deposits must not queue
 * behind one another) and are marked in one statement.
 */
import type { Client } from '@temporalio/client';
import type { Sql } from '../../platform/db/client.js';
import { signalTransactionConfirmed } from '../evm-sends/client.js';
import { signalEvmDeposit } from './client.js';
import { signalInvoicePayment } from '../invoices/client.js';
import { markObservationsSignalled, observationsToSignal, type ObservationToSignal } from './evm-observations.js';
import { markSendSignalled, sendsToSignal } from '../../chains/evm/sends-store.js';
import type { Logger } from '../../platform/log.js';

/** Signals in flight at once (EVM_SIGNAL_CONCURRENCY): enough to cover Temporal's round trip for a burst. */
const DEFAULT_SIGNAL_CONCURRENCY = 64;

/** Runs `task` over `items`, `concurrency` at a time; returns the items whose task succeeded and the first error. */
async function eachLimited<T>(items: T[], concurrency: number, task: (item: T) => Promise<void>) {
  const done: T[] = [];
  let failure: unknown = null;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        try {
          await task(item);
          done.push(item);
        } catch (error) {
          failure ??= error;
        }
      }
    }),
  );
  return { done, failure };
}

export class ListenerOutbox {
  constructor(
    private readonly deps: {
      sql: Sql;
      client: Client;
      taskQueue: string;
      chain: string;
      log: Logger;
      concurrency?: number;
    },
  ) {}

  async deliver(): Promise<number> {
    const concurrency = this.deps.concurrency ?? DEFAULT_SIGNAL_CONCURRENCY;
    let delivered = 0;
    for (;;) {
      const observations = await observationsToSignal(this.deps.sql, this.deps.chain);
      const sends = await sendsToSignal(this.deps.sql, this.deps.chain);
      if (observations.length === 0 && sends.length === 0) return delivered;
      const [deposits, ownSends] = await Promise.all([
        eachLimited(observations, concurrency, (o) => this.signalDeposit(o)),
        eachLimited(sends, concurrency, async (s) => {
          await signalTransactionConfirmed(this.deps, s.notify, { key: s.key, hash: s.hash });
          await markSendSignalled(this.deps.sql, s.id, s.version);
        }),
      ]);
      await markObservationsSignalled(this.deps.sql, deposits.done);
      if (deposits.failure || ownSends.failure) throw deposits.failure ?? ownSends.failure;
      delivered += observations.length + sends.length;
    }
  }

  /** Starts the deposit's workflow on first sight; afterwards tells it it is confirmed or dropped. */
  private async signalDeposit(o: ObservationToSignal): Promise<void> {
    // credited (its workflow read the record before this signal went out): a signal would only start a new run
    if (o.depositStatus === 'credited') return;
    await signalEvmDeposit(
      this.deps,
      o.workflowId,
      { depositId: o.depositId, chain: this.deps.chain, currency: o.currency, address: o.address, userId: o.userId },
      { state: o.state, confirmations: o.confirmations },
    );
    // the invoice counts the deposit from first sight (processing), and settles once it is final
    if (o.invoiceId) await signalInvoicePayment(this.deps, o.invoiceId);
  }
}
