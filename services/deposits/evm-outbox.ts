/**
 * The listener's outbox: every recorded change a workflow must hear of is signalled after its SQL transaction
 * committed, and marked signalled only once Temporal accepted the signal. What a crash left unsignalled goes out on
 * the next round, after a restart too.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Sql } from '../../platform/db/client.js';
import { markObservationSignalled, observationsToSignal, type ObservationToSignal } from './evm-observations.js';
import { markSendSignalled, sendsToSignal } from '../../chains/evm/sends-store.js';
import { evmDepositWorkflow } from '../../workflows/deposits/evm/workflow.js';
import { depositObservedSignal } from '../../workflows/deposits/evm/messages.js';
import { transactionConfirmedSignal } from '../../workflows/evm-sends/messages.js';
import { Chain, Currency, SluiceKind, SluiceStatus, UserId } from '../../platform/temporal/search-attributes.js';
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
        for (const workflowId of s.notify) {
          try {
            await this.deps.client.workflow
              .getHandle(workflowId)
              .signal(transactionConfirmedSignal, { key: s.key, hash: s.hash });
          } catch (error) {
            if (!(error instanceof WorkflowNotFoundError)) throw error; // it finished: it found out by polling
          }
        }
        await markSendSignalled(this.deps.sql, s.id, s.version);
      });
      delivered += observations.length + sends.length;
    }
  }

  /** Starts the deposit's workflow on first sight; afterwards tells it the new confirmation count or the drop. */
  private async signalDeposit(o: ObservationToSignal): Promise<void> {
    // credited (its workflow read the record before this signal went out): a signal would only start a new run
    if (o.depositStatus === 'credited') return markObservationSignalled(this.deps.sql, o.depositId, o.version);
    await this.deps.client.workflow.signalWithStart(evmDepositWorkflow, {
      workflowId: o.workflowId,
      taskQueue: this.deps.taskQueue,
      args: [{ depositId: o.depositId, chain: this.deps.chain, currency: o.currency, address: o.address, userId: o.userId }],
      signal: depositObservedSignal,
      signalArgs: [{ state: o.state, confirmations: o.confirmations }],
      typedSearchAttributes: [
        { key: SluiceKind, value: 'deposit' },
        { key: SluiceStatus, value: 'confirming' },
        { key: Chain, value: this.deps.chain },
        { key: Currency, value: o.currency },
        { key: UserId, value: o.userId },
      ],
    });
    await markObservationSignalled(this.deps.sql, o.depositId, o.version);
  }
}
