/**
 * Wakes the listener when the chain has a new head: an `eth_subscribe newHeads` websocket subscription while the
 * socket is up, a polling interval while it is down (reconnecting with backoff). A half-open socket that goes quiet
 * still wakes the listener on a slower safety interval, so a lost socket never stops the listener.
 */
import WebSocket from 'ws';
import type { Logger } from '../../platform/log.js';

export class NewHeads {
  private socket: WebSocket | null = null;
  private connected = false;
  private stopped = false;
  private wake: (() => void) | null = null;
  private pending = false;
  private reconnectMs = 500;
  private reconnectTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly wsUrl: string | undefined,
    private readonly log: Logger,
    private readonly options: { pollIntervalMs: number; safetyIntervalMs: number },
  ) {}

  get subscribed(): boolean {
    return this.connected;
  }

  start(): void {
    if (this.wsUrl) this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.socket?.terminate();
    this.notify();
  }

  /** Resolves at the next new head, or after the polling interval when there is no live subscription. */
  next(): Promise<void> {
    if (this.pending || this.stopped) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.connected ? this.options.safetyIntervalMs : this.options.pollIntervalMs);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        self.pending = false;
        resolve();
      }
      this.wake = done;
    });
  }

  private notify(): void {
    if (this.wake) this.wake();
    else this.pending = true;
  }

  private connect(): void {
    const socket = new WebSocket(this.wsUrl!);
    this.socket = socket;
    socket.on('open', () => {
      socket.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['newHeads'] }));
    });
    socket.on('message', (data) => {
      let message: { id?: number; result?: unknown; error?: { message?: string }; method?: string };
      try {
        message = JSON.parse(String(data));
      } catch {
        return;
      }
      if (message.id === 1) {
        if (message.error) {
          this.log.warn({ error: message.error.message }, 'newHeads subscription refused; polling');
          socket.terminate();
          return;
        }
        this.connected = true;
        this.reconnectMs = 500;
        this.log.info('following new heads over websocket');
        this.notify(); // heads may have arrived while the socket was down
      } else if (message.method === 'eth_subscription') {
        this.notify();
      }
    });
    socket.on('error', (error) => this.log.debug({ err: error.message }, 'websocket error'));
    socket.on('close', () => {
      const wasConnected = this.connected;
      this.connected = false;
      this.socket = null;
      if (this.stopped) return;
      if (wasConnected) this.log.warn('websocket dropped; polling for new blocks until it reconnects');
      this.notify();
      this.reconnectTimer = setTimeout(() => this.connect(), this.reconnectMs);
      this.reconnectMs = Math.min(this.reconnectMs * 2, 30_000);
    });
  }
}
