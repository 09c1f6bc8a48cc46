/**
 * The listener's outbox: every recorded change a workflow must hear of is signalled after its SQL transaction
 * committed, and marked signalled only once Temporal accepted the signal. What a crash left unsignalled goes out on
 * the next round, after a restart too.
 */
import type { Client } from '@temporalio/client';
import type { Sql } from '../../platform/db/client.js';
import { signalTransactionConfirmed } from '../evm-sends/client.js';
import { signalEvmDeposit } from './client.js';
import { markObservationSignalled, observationsToSignal, type ObservationToSignal } from './evm-observations.js';
import { markSendSignalled, sendsToSignal } from '../../chains/evm/sends-store.js';
import type { Logger } from '../../platform/log.js';

const CONCURRENCY = 16;

async function eachLimited<T>(items: T[], task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, items.length) }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

export class ListenerOutbox {
  constructor(private readonly deps: { sql: Sql; client: Client; taskQueue: string; chain: string; log: Logger }) {}

  async deliver(): Promise<number> {
    let delivered = 0;
    for (;;) {
      const observations = await observationsToSignal(this.deps.sql, this.deps.chain);
      const sends = await sendsToSignal(this.deps.sql, this.deps.chain);
      if (observations.length === 0 && sends.length === 0) return delivered;
      await eachLimited(observations, (o) => this.signalDeposit(o));
      await eachLimited(sends, async (s) => {
        await signalTransactionConfirmed(this.deps, s.notify, { key: s.key, hash: s.hash });
        await markSendSignalled(this.deps.sql, s.id, s.version);
      });
      delivered += observations.length + sends.length;
    }
  }

  /** Starts the deposit's workflow on first sight; afterwards tells it the new confirmation count or the drop. */
  private async signalDeposit(o: ObservationToSignal): Promise<void> {
    // credited (its workflow read the record before this signal went out): a signal would only start a new run
    if (o.depositStatus === 'credited') return markObservationSignalled(this.deps.sql, o.depositId, o.version);
    await signalEvmDeposit(
      this.deps,
      o.workflowId,
      { depositId: o.depositId, chain: this.deps.chain, currency: o.currency, address: o.address, userId: o.userId },
      { state: o.state, confirmations: o.confirmations },
    );
    await markObservationSignalled(this.deps.sql, o.depositId, o.version);
  }
}
