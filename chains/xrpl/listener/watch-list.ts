/**
 * The listener's watch list: subscribes the current connection to every watched account (in chunks) and fills each
 * new account's gap from the ledger its history is complete through; syncs run one at a time, requests coalesced.
 */
import type { Sql } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/log.js';
import { watchedAccounts } from '../../../services/xrpl-tracking/accounts-store.js';
import { accountTxPage, unreachableHistory } from '../account-tx.js';
import { reportHistoryGap } from '../../../services/xrpl-tracking/history-gap.js';
import { CoalescingRunner } from '../../../platform/coalescing-runner.js';
import type { Session } from './session.js';
import type { PaymentWriter } from './writer.js';

const SUBSCRIBE_CHUNK = 1_000;
const FILL_CONCURRENCY = 4;

export interface WatchListOptions {
  sql: Sql;
  log: Logger;
  writer: PaymentWriter;
  /** The connection being followed; null between connections. */
  session(): Session | null;
  stats: { filled: number };
}

export class WatchList {
  private readonly syncs = new CoalescingRunner(() => this.syncCurrentSession());

  constructor(private readonly options: WatchListOptions) {}

  /** Follows the watch list on the current connection; rejects when subscribing failed (the connection must end). */
  sync(): Promise<void> {
    return this.syncs.run();
  }

  private async syncCurrentSession(): Promise<void> {
    const session = this.options.session();
    if (!session) return;
    try {
      await this.syncWatchList(session);
    } catch (error) {
      // a connection that dropped meanwhile is over already: its failure concerns no one, the next one syncs afresh
      if (this.options.session() === session) throw error;
    }
  }

  private async syncWatchList(session: Session): Promise<void> {
    const { sql, log } = this.options;
    const wanted = await watchedAccounts(sql);
    const added = [...wanted.keys()].filter((address) => !session.live.has(address));
    const removed = [...session.live.keys()].filter((address) => !wanted.has(address));
    if (!session.subscribed) {
      const { result } = await session.client.request({ command: 'subscribe', streams: ['ledger'] });
      // the newest validated ledger, where the stream starts: a skip right after it is seen as one (and this
      // connection's gap fills read at least up to it, so the checkpoint may stand just below it)
      if ('ledger_index' in result) session.closedLedger = Math.max(session.closedLedger, result.ledger_index);
      session.subscribed = true;
    }
    for (let i = 0; i < added.length; i += SUBSCRIBE_CHUNK) {
      const accounts = added.slice(i, i + SUBSCRIBE_CHUNK);
      await session.client.request({ command: 'subscribe', accounts });
      for (const address of accounts) session.live.set(address, false);
    }
    if (removed.length > 0) {
      await session.client.request({ command: 'unsubscribe', accounts: removed });
      for (const address of removed) session.live.delete(address);
      log.info({ accounts: removed }, 'stopped following XRPL accounts');
    }
    if (added.length > 0) log.info({ accounts: added.length }, 'subscribed to XRPL accounts');

    // an account is followed live once the gap since its complete history is filled; until its first backfill
    // completes there is no such ledger, and its payments are stored as they stream in meanwhile
    const toFill: Array<[address: string, fromLedger: number]> = [];
    for (const [address, followed] of session.live) {
      const fromLedger = wanted.get(address);
      if (!followed && fromLedger != null) toFill.push([address, fromLedger]);
    }
    for (let i = 0; i < toFill.length; i += FILL_CONCURRENCY) {
      await Promise.all(
        toFill.slice(i, i + FILL_CONCURRENCY).map(([address, fromLedger]) => this.fillGap(session, address, fromLedger)),
      );
    }
  }

  /** account_tx from the ledger the history is complete through, oldest first, up to the latest validated one. */
  private async fillGap(session: Session, address: string, fromLedger: number): Promise<void> {
    const { log, writer } = this.options;
    const current = () => this.options.session() === session;
    let marker: unknown;
    let payments = 0;
    do {
      const page = await accountTxPage(session.client, {
        account: address,
        ledgerMin: fromLedger,
        ledgerMax: -1,
        forward: true,
        marker,
      });
      for (const problem of page.malformed) log.error({ account: address, problem }, 'unreadable XRPL transaction skipped');
      const missing = marker === undefined ? unreachableHistory(fromLedger, page) : null;
      if (missing) await reportHistoryGap(this.options.sql, log, address, missing);
      writer.add(page.payments);
      payments += page.payments.length;
      marker = page.marker;
      await writer.flushNow();
    } while (marker !== undefined && current());
    if (!current() || !session.live.has(address)) return;
    session.live.set(address, true);
    session.checkpointed = 0; // its checkpoint can move up to the latest closed ledger at the next write
    writer.scheduleFlush();
    this.options.stats.filled += payments;
    log.info({ account: address, fromLedger, payments }, 'XRPL account followed live (gap filled)');
  }
}
