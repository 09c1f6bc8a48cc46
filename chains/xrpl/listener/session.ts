/**
 * The listener's connection lifecycle: one session from connect to drop, watched for stalls (no ledger closing),
 * and the reconnect loop around sessions, with backoff. xrpl.js gives up after one failed reconnect, so we own this.
 */
import { Client, type LedgerStream, type TransactionStream } from 'xrpl';
import type { Checkpoint } from '../../../services/xrpl-tracking/store-payments.js';
import type { Logger } from '../../../platform/log.js';
import { discard } from '../connection.js';

export interface Session {
  client: Client;
  /** Watched accounts subscribed on this connection; true once their gap is filled and they are followed live. */
  live: Map<string, boolean>;
  subscribed: boolean;
  closedLedger: number;
  checkpointed: number;
  lastLedgerAt: number;
  /** Resolves with why the connection ended. */
  ended: Promise<string>;
  end(reason: string): void;
  /** Stops the watchdog and drops the connection. */
  close(): Promise<void>;
}

export interface StreamHandlers {
  onTransaction(session: Session, message: TransactionStream): void;
  onLedgerClosed(session: Session, ledger: LedgerStream): void;
}

/** Connects (a failure to connect throws) and watches the connection: no ledger closed for `stallMs` ends it. */
export async function openSession(url: string, log: Logger, stallMs: number, handlers: StreamHandlers): Promise<Session> {
  const client = new Client(url, { connectionTimeout: 5_000, timeout: 20_000 });
  let end!: (reason: string) => void;
  const ended = new Promise<string>((resolve) => (end = resolve));
  client.on('disconnected', (code: number) => end(`disconnected (code ${code})`));
  client.on('error', (code: unknown, message: unknown) => log.warn({ url, code, message }, 'XRPL connection error'));
  try {
    await client.connect();
  } catch (error) {
    await discard(client);
    throw error;
  }
  const session: Session = {
    client,
    live: new Map(),
    subscribed: false,
    closedLedger: 0,
    checkpointed: 0,
    lastLedgerAt: Date.now(),
    ended,
    end,
    async close() {
      clearInterval(watchdog);
      await discard(client);
    },
  };
  client.on('transaction', (message: TransactionStream) => handlers.onTransaction(session, message));
  client.on('ledgerClosed', (ledger: LedgerStream) => handlers.onLedgerClosed(session, ledger));
  const watchdog = setInterval(
    () => {
      if (Date.now() - session.lastLedgerAt > stallMs) end(`no ledger closed for ${stallMs / 1000}s`);
    },
    Math.max(stallMs / 4, 100),
  );
  return session;
}

/**
 * The ledger stream says ledger `index` closed. rippled publishes every validated ledger in order, except that a
 * server more than 100 ledgers behind (LedgerMaster's MAX_LEDGER_GAP: after it lost sync) jumps to the newest: the
 * transactions of the ledgers it skipped never stream, and a checkpoint past them would record them as seen. Answers
 * why the connection must end then (the next one's gap fill reads them), or null.
 */
export function ledgerClosed(session: Session, index: number): string | null {
  if (session.closedLedger > 0 && index > session.closedLedger + 1) {
    return `the server's ledger stream skipped ledgers ${session.closedLedger + 1} to ${index - 1}`;
  }
  session.closedLedger = Math.max(session.closedLedger, index);
  session.lastLedgerAt = Date.now();
  return null;
}

/**
 * What the next write may record as complete: rippled sends a ledger's transactions around its ledgerClosed
 * message, so once ledger N closed, everything of N-1 has arrived — for accounts followed live.
 */
export function nextCheckpoint(session: Session): Checkpoint | undefined {
  if (session.closedLedger - 1 <= session.checkpointed) return undefined;
  const addresses = [...session.live].filter(([, followed]) => followed).map(([address]) => address);
  if (addresses.length === 0) return undefined;
  session.checkpointed = session.closedLedger - 1;
  return { addresses, ledger: session.checkpointed };
}

/** Runs sessions one after another until stopped; waits between them, doubling the wait while none connects. */
export class Reconnector {
  /** Set by stop(): a session starting now ends at once. */
  stopped = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly options: { url: string; log: Logger; reconnectMs: { min: number; max: number } },
    /** What the reconnect warning reports about the listener's progress. */
    private readonly stats: object,
  ) {}

  /** `session` runs one connection, from connect to drop, and returns why it ended. */
  async run(session: (onConnected: () => void) => Promise<string>): Promise<void> {
    const { url, log, reconnectMs } = this.options;
    let delay = reconnectMs.min;
    while (!this.stopped) {
      let reason: string;
      let connected = false;
      try {
        reason = await session(() => (connected = true));
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
      if (this.stopped) break;
      if (connected) delay = reconnectMs.min;
      log.warn(
        { url, reason, retryInMs: delay, ...(connected ? { stats: this.stats } : {}) },
        connected ? 'XRPL connection lost; reconnecting' : 'cannot reach the XRPL server',
      );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      delay = Math.min(delay * 2, reconnectMs.max);
    }
  }

  /** No new session starts; a wait between sessions ends now (the running session is the caller's to end). */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }
}
