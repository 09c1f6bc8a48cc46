/**
 * The XRPL listener: follows every watched account on one websocket and stores their validated payments (and the XRP
 * escrows, payment channels, checks and deleted accounts deliver them, chains/xrpl/deliveries.ts). This file
 * ties its parts together: the connection (session.ts), the buffered writer (writer.ts), the watch list (watch-list.ts).
 */
import { EventEmitter } from 'node:events';
import type { LedgerStream, TransactionStream } from 'xrpl';
import type { Sql } from '../../../platform/db/client.js';
import type { Logger } from '../../../platform/log.js';
import type { DepositToSignal } from '../../../services/xrpl-tracking/payments-store.js';
import type { SeenPayout } from '../../../services/xrpl-tracking/store-payments.js';
import type { XrplPayment } from '../../../domain/xrpl-tracking/payments.js';
import { fromStreamMessage, MalformedTransaction } from '../payments.js';
import { transferOf } from '../deliveries.js';
import { ledgerClosed, nextCheckpoint, openSession, Reconnector, type Session } from './session.js';
import { WatchList } from './watch-list.js';
import { PaymentWriter } from './writer.js';

export interface ListenerOptions {
  url: string;
  sql: Sql;
  log: Logger;
  /** Deposits a flush recorded; whatever this fails to signal stays in the outbox. */
  onDeposits(deposits: DepositToSignal[]): Promise<void>;
  /** Hot-wallet payouts seen validated; a lost signal is covered by the withdrawal's own polling. */
  onPayouts?: (payouts: SeenPayout[]) => Promise<void>;
  reconnectMs?: { min: number; max: number };
  /** No ledger closed for this long: the connection is dead even if the socket looks open. */
  stallMs?: number;
  /** How long a payment may wait for company before its batch is written. */
  flushMs?: number;
  /** Past this many unwritten payments the listener disconnects, and fills the gap once the database keeps up. */
  maxBuffered?: number;
  watchPollMs?: number;
}

/**
 * One websocket to an XRPL server, subscribed to every watched account and to the ledger stream, storing each
 * validated payment as it arrives (in batches). After every (re)connect it subscribes again and fills each account's
 * gap from the ledger its history is known complete through; changes to the watch list apply without a restart.
 * It owns its retry loop: xrpl.js gives up after one failed reconnect.
 */
export class XrplListener extends EventEmitter<{ following: [addresses: string[]] }> {
  private readonly options: Required<ListenerOptions>;
  private readonly log: Logger;
  private readonly reconnector: Reconnector;
  private readonly writer: PaymentWriter;
  private readonly watchList: WatchList;
  private session: Session | null = null;
  private running: Promise<void> | null = null;
  private cleanup: Array<() => Promise<void> | void> = [];
  /** Since start: connections made, payments streamed in, payments new to Sluice, payments found by gap fills. */
  readonly stats = { sessions: 0, received: 0, stored: 0, filled: 0 };

  constructor(options: ListenerOptions) {
    super();
    this.options = {
      reconnectMs: { min: 500, max: 30_000 },
      stallMs: 60_000,
      flushMs: 50,
      maxBuffered: 100_000,
      watchPollMs: 10_000,
      onPayouts: async () => {},
      ...options,
    };
    this.log = options.log;
    const { url, sql, log, reconnectMs, flushMs, maxBuffered } = this.options;
    this.reconnector = new Reconnector({ url, log, reconnectMs }, this.stats);
    this.writer = new PaymentWriter({
      sql,
      log,
      flushMs,
      maxBuffered,
      onDeposits: (deposits) => this.options.onDeposits(deposits),
      onPayouts: (payouts) => this.options.onPayouts(payouts),
      checkpoints: {
        next: () => (this.session ? nextCheckpoint(this.session) : undefined),
        lost: () => {
          if (this.session) this.session.checkpointed = 0;
        },
      },
      stats: this.stats,
    });
    this.watchList = new WatchList({ sql, log, writer: this.writer, session: () => this.session, stats: this.stats });
  }

  async start(): Promise<void> {
    const { unlisten } = await this.options.sql.listen(
      'xrpl_accounts',
      () => this.requestSync(),
      () => this.requestSync(), // (re)listening may have missed changes
    );
    const poll = setInterval(() => this.requestSync(), this.options.watchPollMs);
    this.cleanup.push(unlisten, () => clearInterval(poll));
    this.running = this.reconnector.run((onConnected) => this.runSession(onConnected));
  }

  async stop(): Promise<void> {
    this.reconnector.stop();
    this.session?.end('stopping');
    await this.running;
    await this.flushNow();
    for (const step of this.cleanup) await step();
  }

  /** Resolves once everything received before the call is stored. */
  flushNow(): Promise<void> {
    return this.writer.flushNow();
  }

  /** One connection, from connect to drop; returns why it ended. */
  private async runSession(onConnected: () => void): Promise<string> {
    await this.flushNow(); // what the last connection saw is stored before anything is re-read
    const session = await openSession(this.options.url, this.log, this.options.stallMs, {
      onTransaction: (session, message) => this.onTransaction(session, message),
      onLedgerClosed: (session, ledger) => this.onLedgerClosed(session, ledger),
    });
    onConnected();
    this.session = session;
    if (this.reconnector.stopped) session.end('stopping'); // stop() came while connecting
    this.stats.sessions += 1;
    this.log.info({ url: this.options.url }, 'connected to the XRPL server');
    try {
      const synced = this.watchList.sync().then(
        () => null,
        (error: unknown) => `could not subscribe: ${error instanceof Error ? error.message : String(error)}`,
      );
      const first = await Promise.race([
        synced.then((failure) => ({ failure })),
        session.ended.then((reason) => ({ failure: reason })),
      ]);
      if (first.failure !== null) return first.failure;
      this.emit('following', [...session.live.keys()]);
      return await session.ended;
    } finally {
      this.session = null;
      await session.close();
    }
  }

  private onTransaction(session: Session, message: TransactionStream): void {
    let payment: XrplPayment | null;
    try {
      payment = transferOf(fromStreamMessage(message as unknown as Record<string, unknown>));
    } catch (error) {
      if (!(error instanceof MalformedTransaction)) throw error;
      this.log.error({ problem: error.message }, 'unreadable XRPL transaction skipped');
      return;
    }
    if (!payment) return;
    this.stats.received += 1;
    this.writer.add([payment]);
    const backlog = this.writer.backlog();
    if (backlog) session.end(backlog);
    this.writer.scheduleFlush();
  }

  private onLedgerClosed(session: Session, ledger: LedgerStream): void {
    const skipped = ledgerClosed(session, ledger.ledger_index);
    if (skipped) session.end(skipped);
    else this.writer.scheduleFlush();
  }

  /** Follow the watch list now (a NOTIFY, the poll); a failure to subscribe ends the connection. */
  private requestSync(): void {
    const session = this.session;
    if (!session) return;
    this.watchList
      .sync()
      .catch((error) =>
        session.end(`could not follow the watch list: ${error instanceof Error ? error.message : String(error)}`),
      );
  }
}
