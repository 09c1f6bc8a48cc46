/**
 * A request connection to an XRPL server for activities: connected on first use and again after any drop. xrpl.js
 * retries a dropped socket only once, so each reconnect starts from a fresh client; a failure surfaces to the
 * caller, whose retry policy (Temporal's) does the waiting.
 */
import { Client } from 'xrpl';
import type { Logger } from '../../platform/log.js';

export class XrplConnection {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;

  constructor(
    readonly url: string,
    private readonly log: Logger,
    private readonly timeouts = { connectMs: 5_000, requestMs: 20_000 },
  ) {}

  async connected(): Promise<Client> {
    if (this.client?.isConnected()) return this.client;
    this.connecting ??= this.open().finally(() => (this.connecting = null));
    return this.connecting;
  }

  async close(): Promise<void> {
    const client = this.client;
    this.client = null;
    await discard(client);
  }

  private async open(): Promise<Client> {
    await discard(this.client);
    this.client = null;
    const client = new Client(this.url, { connectionTimeout: this.timeouts.connectMs, timeout: this.timeouts.requestMs });
    client.on('error', (code: unknown, message: unknown) =>
      this.log.warn({ url: this.url, code, message }, 'XRPL connection error'),
    );
    try {
      await client.connect();
    } catch (error) {
      await discard(client);
      throw error;
    }
    this.client = client;
    return client;
  }
}

/** Stops a client for good, including xrpl.js's own pending reconnect. */
export async function discard(client: Client | null): Promise<void> {
  if (!client) return;
  client.removeAllListeners();
  await client.disconnect().catch(() => {});
}
