/**
 * The listener's outbox: every recorded change a workflow must hear of is signalled after its SQL transaction
 * committed, and marked signalled only once Temporal accepted the signal. What a crash left unsignalled goes out on
 * the next round, after a restart too. A round's signals go out concurrently (a burst of deposits must not queue
 * behind one another) and are marked in one statement. Deliveries run beside the listener's loop (`kick`), so a slow
 * Temporal never delays recording, and so crediting, the next block.
 */
import type { Client } from '@temporalio/client';
import type { Sql } from '../../platform/db/client.js';
import { CoalescingRunner } from '../../platform/coalescing-runner.js';
import { eachLimited } from '../../platform/each-limited.js';
import { signalTransactionConfirmed } from '../evm-sends/client.js';
import { signalEvmDeposit } from './client.js';
import { nudgeGasKeeper, wakeSweeper } from '../collection/client.js';
import { signalInvoicePayment } from '../invoices/client.js';
import { observationsToSignal, type ObservationToSignal } from './evm-observations.js';
import { sendsToSignal } from '../../chains/evm/sends-store.js';
import { markVersionsSignalled } from '../../platform/db/versioned-outbox.js';

type SendToSignal = Awaited<ReturnType<typeof sendsToSignal>>[number];
import type { Logger } from '../../platform/log.js';

/** Signals in flight at once (EVM_SIGNAL_CONCURRENCY): enough to cover Temporal's round trip for a burst. */
const DEFAULT_SIGNAL_CONCURRENCY = 64;

/**
 * Whether a deposit's workflow has work: converting a credited deposit whose user asked for it, crediting a confirmed
 * one the listener could not (the ledger refused it: the workflow's failure shows it), or recording a dropped one's
 * end. The listener credited or held every other final deposit, with its notice and webhook event, and handed its
 * wallet to the sweeper; a deposit confirming needs none (the record holds the count).
 */
export function needsWorkflow(o: Pick<ObservationToSignal, 'state' | 'depositStatus' | 'converts'>): boolean {
  if (o.state === 'dropped') return true;
  if (o.state === 'seen') return false;
  if (o.depositStatus === 'credited') return o.converts;
  return o.depositStatus !== 'held';
}

/** How long a failed delivery waits before the next try, at most (it doubles from 250 ms). */
const MAX_RETRY_DELAY_MS = 10_000;

export class ListenerOutbox {
  private readonly deliveries = new CoalescingRunner(async () => void (await this.deliver()));
  private delivering: Promise<void> = Promise.resolve();
  private failures = 0;
  private retry: NodeJS.Timeout | null = null;
  private stopped = false;

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

  /**
   * Delivers what is recorded and not yet signalled, beside the caller: one delivery at a time, and one more after it
   * when kicked meanwhile; a failed delivery is tried again with backoff.
   */
  kick(): void {
    this.delivering = this.deliveries.run().then(
      () => void (this.failures = 0),
      (error: unknown) => {
        if (this.retry || this.stopped) return; // several kicks shared the failed delivery: one retry
        this.failures++;
        const delay = Math.min(250 * 2 ** this.failures, MAX_RETRY_DELAY_MS);
        this.deps.log.warn(
          { err: error instanceof Error ? error.message : String(error), retryInMs: delay },
          'outbox delivery failed',
        );
        this.retry = setTimeout(() => {
          this.retry = null;
          this.kick();
        }, delay);
      },
    );
  }

  /** Waits for the delivery under way, and stops retrying (the listener is stopping). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    await this.delivering;
  }

  async deliver(): Promise<number> {
    const concurrency = this.deps.concurrency ?? DEFAULT_SIGNAL_CONCURRENCY;
    let delivered = 0;
    for (;;) {
      const observations = await observationsToSignal(this.deps.sql, this.deps.chain);
      const sends = await sendsToSignal(this.deps.sql, this.deps.chain);
      if (observations.length === 0 && sends.length === 0) return delivered;
      const [deposits, ownSends] = await Promise.all([
        this.signalDeposits(observations, concurrency),
        this.signalSends(sends, concurrency),
      ]);
      await markVersionsSignalled(
        this.deps.sql,
        'evm_deposit_observations',
        deposits.done.map((o) => ({ id: o.depositId, version: o.version })),
      );
      if (deposits.failure || ownSends.failure) throw deposits.failure ?? ownSends.failure;
      delivered += observations.length + sends.length;
    }
  }

  /**
   * The final deposits (credited, held or dropped) first hand their wallets to the chain's sweeper, in one signal, so
   * their sweeps start at once; then each deposit's workflow is started for what still lives over time
   * (`needsWorkflow`). The invoice counts a deposit from first sight. A token deposit first seen wakes the gas keeper,
   * which funds its wallet while it confirms (an early funding), so its sweep needs no gas when it is credited.
   */
  private async signalDeposits(observations: ObservationToSignal[], concurrency: number) {
    if (observations.some((o) => o.state === 'seen' && o.token && o.depositStatus === 'pending')) this.nudgeGasKeeper();
    const final = observations.filter((o) => o.state !== 'seen');
    const wallets = [...new Set(final.map((o) => o.address))];
    let swept: unknown = null;
    if (wallets.length > 0) await wakeSweeper(this.deps, this.deps.chain, wallets).catch((error) => (swept = error));
    const told = await eachLimited(
      observations.filter((o) => o.state === 'seen' || swept === null),
      concurrency,
      (o) => this.signalDeposit(o),
    );
    return { done: told.done, failure: swept ?? told.failure };
  }

  /**
   * Our own sends, mined or confirmed: each workflow a round's sends name hears once (the sweeper and the gas keeper
   * are named by hundreds of sends in a burst, and count signals rather than read them), with the newest of its sends;
   * a send is marked once every workflow it names has heard, a round's in one statement (a burst's block holds
   * hundreds of our sends, marked on the listener's own pool while it records the next range).
   */
  private async signalSends(sends: SendToSignal[], concurrency: number) {
    const newest = new Map<string, SendToSignal>();
    for (const send of sends) for (const workflowId of send.notify) newest.set(workflowId, send);
    const told = await eachLimited([...newest], concurrency, ([workflowId, s]) =>
      signalTransactionConfirmed(this.deps, [workflowId], { key: s.key, hash: s.hash }),
    );
    const heard = new Set(told.done.map(([workflowId]) => workflowId));
    const marked = await markVersionsSignalled(
      this.deps.sql,
      'evm_sends',
      sends.filter((s) => s.notify.every((id) => heard.has(id))),
    ).then(
      () => null,
      (error: unknown) => error,
    );
    return { failure: told.failure ?? marked };
  }

  /**
   * Not awaited and not retried: the keeper also looks on its timer, and a deposit credited before its early funding
   * went out has its sweep ask for gas as before; nothing waits on this but speed.
   */
  private nudgeGasKeeper(): void {
    nudgeGasKeeper(this.deps, this.deps.chain).catch((error: unknown) =>
      this.deps.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'the gas keeper could not be woken'),
    );
  }

  private async signalDeposit(o: ObservationToSignal): Promise<void> {
    if (needsWorkflow(o)) {
      await signalEvmDeposit(
        this.deps,
        o.workflowId,
        { depositId: o.depositId, chain: this.deps.chain, currency: o.currency, address: o.address, userId: o.userId },
        { state: o.state, confirmations: o.confirmations },
      );
    }
    if (o.invoiceId) await signalInvoicePayment(this.deps, o.invoiceId);
  }
}
