/**
 * The XRPL listener: one websocket to an XRPL server, subscribed to every watched account and to the ledger stream,
 * storing each validated payment as it arrives (in batches). After every (re)connect it subscribes again and fills
 * each account's gap from the ledger its history is known complete through; changes to the watch list apply
 * without a restart. It owns its retry loop: xrpl.js gives up after one failed reconnect.
 */
import { EventEmitter } from 'node:events';
import { Client, type LedgerStream, type TransactionStream } from 'xrpl';
import type { Sql } from '../../platform/db/client.js';
import { watchedAccounts } from '../../services/xrpl-tracking/accounts-store.js';
import type { DepositToSignal } from '../../services/xrpl-tracking/payments-store.js';
import { storePayments, type Checkpoint, type SeenPayout } from '../../services/xrpl-tracking/store-payments.js';
import type { XrplPayment } from '../../domain/xrpl-tracking/payments.js';
import type { Logger } from '../../platform/log.js';
import { accountTxPage, HISTORY_OUT_OF_REACH, unreachableHistory } from './account-tx.js';
import { discard } from './connection.js';
import { fromStreamMessage, MalformedTransaction, paymentOf } from './payments.js';

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

interface Session {
  client: Client;
  /** Watched accounts subscribed on this connection; true once their gap is filled and they are followed live. */
  live: Map<string, boolean>;
  subscribed: boolean;
  closedLedger: number;
  checkpointed: number;
  lastLedgerAt: number;
  end(reason: string): void;
}

const SUBSCRIBE_CHUNK = 1_000;
const FILL_CONCURRENCY = 4;

export class XrplListener extends EventEmitter<{ following: [addresses: string[]] }> {
  private readonly options: Required<ListenerOptions>;
  private readonly log: Logger;
  private session: Session | null = null;
  private stopped = false;
  private running: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private buffer: XrplPayment[] = [];
  private flushing: Promise<void> | null = null;
  private flushAgain = false;
  private flushTimer: NodeJS.Timeout | null = null;
  private syncing: { session: Session; done: Promise<void> } | null = null;
  private syncAgain = false;
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
  }

  async start(): Promise<void> {
    const { unlisten } = await this.options.sql.listen(
      'xrpl_accounts',
      () => this.requestSync(),
      () => this.requestSync(), // (re)listening may have missed changes
    );
    const poll = setInterval(() => this.requestSync(), this.options.watchPollMs);
    this.cleanup.push(unlisten, () => clearInterval(poll));
    this.running = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.session?.end('stopping');
    this.wake?.();
    await this.running;
    await this.flushNow();
    for (const step of this.cleanup) await step();
  }

  private async run(): Promise<void> {
    let delay = this.options.reconnectMs.min;
    while (!this.stopped) {
      let reason: string;
      let connected = false;
      try {
        reason = await this.runSession(() => (connected = true));
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      if (this.stopped) break;
      if (connected) delay = this.options.reconnectMs.min;
      this.log.warn(
        { url: this.options.url, reason, retryInMs: delay, ...(connected ? { stats: this.stats } : {}) },
        connected ? 'XRPL connection lost; reconnecting' : 'cannot reach the XRPL server',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      delay = Math.min(delay * 2, this.options.reconnectMs.max);
    }
  }

  /** One connection, from connect to drop; returns why it ended. */
  private async runSession(onConnected: () => void): Promise<string> {
    await this.flushNow(); // what the last connection saw is stored before anything is re-read
    const client = new Client(this.options.url, { connectionTimeout: 5_000, timeout: 20_000 });
    let end!: (reason: string) => void;
    const ended = new Promise<string>((resolve) => (end = resolve));
    client.on('disconnected', (code: number) => end(`disconnected (code ${code})`));
    client.on('error', (code: unknown, message: unknown) =>
      this.log.warn({ url: this.options.url, code, message }, 'XRPL connection error'),
    );
    try {
      await client.connect();
    } catch (error) {
      await discard(client);
      throw error;
    }
    onConnected();
    const session: Session = {
      client,
      live: new Map(),
      subscribed: false,
      closedLedger: 0,
      checkpointed: 0,
      lastLedgerAt: Date.now(),
      end,
    };
    client.on('transaction', (message: TransactionStream) => this.onTransaction(session, message));
    client.on('ledgerClosed', (ledger: LedgerStream) => this.onLedgerClosed(session, ledger));
    const watchdog = setInterval(
      () => {
        if (Date.now() - session.lastLedgerAt > this.options.stallMs) end(`no ledger closed for ${this.options.stallMs / 1000}s`);
      },
      Math.max(this.options.stallMs / 4, 100),
    );
    this.session = session;
    if (this.stopped) end('stopping'); // stop() came while connecting
    this.stats.sessions += 1;
    this.log.info({ url: this.options.url }, 'connected to the XRPL server');
    try {
      const synced = this.sync(session).then(
        () => null,
        (error: unknown) => `could not subscribe: ${error instanceof Error ? error.message : String(error)}`,
      );
      const first = await Promise.race([synced.then((failure) => ({ failure })), ended.then((reason) => ({ failure: reason }))]);
      if (first.failure !== null) return first.failure;
      this.emit('following', [...session.live.keys()]);
      return await ended;
    } finally {
      this.session = null;
      clearInterval(watchdog);
      await discard(client);
    }
  }

  private onTransaction(session: Session, message: TransactionStream): void {
    let payment: XrplPayment | null;
    try {
      payment = paymentOf(fromStreamMessage(message as unknown as Record<string, unknown>));
    } catch (error) {
      if (!(error instanceof MalformedTransaction)) throw error;
      this.log.error({ problem: error.message }, 'unreadable XRPL transaction skipped');
      return;
    }
    if (!payment) return;
    this.stats.received += 1;
    this.buffer.push(payment);
    if (this.buffer.length >= this.options.maxBuffered)
      session.end(`${this.buffer.length} payments not yet written: the database is not keeping up`);
    this.scheduleFlush();
  }

  private onLedgerClosed(session: Session, ledger: LedgerStream): void {
    session.closedLedger = Math.max(session.closedLedger, ledger.ledger_index);
    session.lastLedgerAt = Date.now();
    this.scheduleFlush();
  }

  /**
   * What the next write may record as complete: rippled sends a ledger's transactions around its ledgerClosed
   * message, so once ledger N closed, everything of N-1 has arrived — for accounts followed live.
   */
  private checkpoint(): Checkpoint | undefined {
    const session = this.session;
    if (!session || session.closedLedger - 1 <= session.checkpointed) return undefined;
    const addresses = [...session.live].filter(([, followed]) => followed).map(([address]) => address);
    if (addresses.length === 0) return undefined;
    session.checkpointed = session.closedLedger - 1;
    return { addresses, ledger: session.checkpointed };
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      void this.flushNow();
    }, this.options.flushMs);
  }

  /** Resolves once everything received before the call is stored; writes are serial, each takes the whole buffer. */
  flushNow(): Promise<void> {
    if (this.flushing) {
      this.flushAgain = true;
      return this.flushing;
    }
    this.flushing = this.flushLoop().finally(() => (this.flushing = null));
    return this.flushing;
  }

  private async flushLoop(): Promise<void> {
    let retryMs = 100;
    do {
      this.flushAgain = false;
      const batch = this.buffer;
      this.buffer = [];
      const checkpoint = this.checkpoint();
      if (batch.length === 0 && !checkpoint) continue;
      try {
        const outcome = await storePayments(this.options.sql, batch, checkpoint);
        this.stats.stored += outcome.inserted;
        retryMs = 100;
        if (outcome.deposits.length > 0) {
          void this.options
            .onDeposits(outcome.deposits)
            .catch((error) => this.log.warn({ err: error }, 'could not signal XRPL deposits yet'));
        }
        if (outcome.payouts.length > 0) {
          void this.options
            .onPayouts(outcome.payouts)
            .catch((error) => this.log.warn({ err: error }, 'could not signal XRPL payouts; the withdrawals will poll'));
        }
      } catch (error) {
        this.buffer = batch.concat(this.buffer);
        if (checkpoint && this.session) this.session.checkpointed = 0;
        this.log.warn(
          { err: error instanceof Error ? error.message : String(error), payments: batch.length, retryInMs: retryMs },
          'could not store XRPL payments; retrying',
        );
        await new Promise((r) => setTimeout(r, retryMs));
        retryMs = Math.min(retryMs * 2, 10_000);
        this.flushAgain = true;
      }
    } while (this.flushAgain);
  }

  /** Follow the watch list now (a NOTIFY, the poll); a failure to subscribe ends the connection. */
  private requestSync(): void {
    const session = this.session;
    if (!session) return;
    this.sync(session).catch((error) =>
      session.end(`could not follow the watch list: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  /** Watch-list syncs run one at a time; requests while one runs are coalesced into one more pass. */
  private sync(session: Session): Promise<void> {
    if (this.syncing?.session === session) {
      this.syncAgain = true;
      return this.syncing.done;
    }
    const previous = this.syncing?.done.catch(() => {}) ?? Promise.resolve();
    const done = previous.then(async () => {
      do {
        this.syncAgain = false;
        await this.syncWatchList(session);
      } while (this.syncAgain && this.session === session);
    });
    const current = { session, done };
    this.syncing = current;
    void done
      .catch(() => {})
      .finally(() => {
        if (this.syncing === current) this.syncing = null;
      });
    return done;
  }

  private async syncWatchList(session: Session): Promise<void> {
    const wanted = await watchedAccounts(this.options.sql);
    const added = [...wanted.keys()].filter((address) => !session.live.has(address));
    const removed = [...session.live.keys()].filter((address) => !wanted.has(address));
    if (!session.subscribed) {
      await session.client.request({ command: 'subscribe', streams: ['ledger'] });
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
      this.log.info({ accounts: removed }, 'stopped following XRPL accounts');
    }
    if (added.length > 0) this.log.info({ accounts: added.length }, 'subscribed to XRPL accounts');

    // an account is followed live once the gap since its complete history is filled; until its first backfill
    // completes there is no such ledger, and its payments are stored as they stream in meanwhile
    const toFill = [...session.live]
      .filter(([address, followed]) => !followed && wanted.get(address) != null)
      .map(([address]) => address);
    for (let i = 0; i < toFill.length; i += FILL_CONCURRENCY) {
      await Promise.all(
        toFill.slice(i, i + FILL_CONCURRENCY).map((address) => this.fillGap(session, address, wanted.get(address)!)),
      );
    }
  }

  /** account_tx from the ledger the history is complete through, oldest first, up to the latest validated one. */
  private async fillGap(session: Session, address: string, fromLedger: number): Promise<void> {
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
      for (const problem of page.malformed) this.log.error({ account: address, problem }, 'unreadable XRPL transaction skipped');
      const missing = marker === undefined ? unreachableHistory(fromLedger, page) : null;
      if (missing) this.log.error({ account: address, ...missing }, HISTORY_OUT_OF_REACH);
      this.buffer.push(...page.payments);
      payments += page.payments.length;
      marker = page.marker;
      await this.flushNow();
    } while (marker !== undefined && this.session === session);
    if (this.session !== session || !session.live.has(address)) return;
    session.live.set(address, true);
    session.checkpointed = 0; // its checkpoint can move up to the latest closed ledger at the next write
    this.scheduleFlush();
    this.stats.filled += payments;
    this.log.info({ account: address, fromLedger, payments }, 'XRPL account followed live (gap filled)');
  }
}
