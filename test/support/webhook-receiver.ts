/**
 * A merchant's webhook endpoint for tests and benches: a real local HTTP server that records every request and answers
 * as its path's script says (fail the first attempts, always fail, answer slowly). Its signature check is the one the
 * README shows merchants, run from the README itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedHook {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  at: number;
}

/** What a path answers to its n-th request (1-based): a status, after an optional delay. */
export type Script = (n: number) => { status: number; delayMs?: number; body?: string };

export class WebhookReceiver {
  readonly received: ReceivedHook[] = [];
  private readonly scripts = new Map<string, Script>();
  private readonly counts = new Map<string, number>();
  private constructor(private readonly server: Server) {}

  static async start(): Promise<WebhookReceiver> {
    const server = createServer();
    const receiver = new WebhookReceiver(server);
    server.on('request', (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const path = req.url ?? '/';
        receiver.received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
        const n = (receiver.counts.get(path) ?? 0) + 1;
        receiver.counts.set(path, n);
        const answer = (receiver.scripts.get(path) ?? ((): ReturnType<Script> => ({ status: 200 })))(n);
        setTimeout(
          () => res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.body ?? `answer ${n}`),
          answer.delayMs ?? 0,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  script(path: string, script: Script): void {
    this.scripts.set(path, script);
  }

  to(path: string): ReceivedHook[] {
    return this.received.filter((r) => r.path === path);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** README's merchant-side check, as printed there. */
export { verifySluiceSignature as verifySignature } from './readme-signature-check.js';
