/**
 * A merchant's webhook endpoint for tests and benches: a real local HTTP server that records every request and answers
 * as its path's script says (fail the first attempts, always fail, answer slowly). Its signature check is the one the
 * README shows merchants.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** Whether `header` (Sluice-Signature) signs `body` with `secret`, no older than `toleranceSeconds`. */
export function verifySignature(header: string, body: string, secret: string, toleranceSeconds = 300): boolean {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  const t = parts.find(([k]) => k === 't')?.[1];
  if (!t || Math.abs(Date.now() / 1000 - Number(t)) > toleranceSeconds) return false;
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest();
  return parts
    .filter(([k, v]) => k === 'v1' && /^[0-9a-f]{64}$/.test(v))
    .some(([, v]) => timingSafeEqual(Buffer.from(v, 'hex'), expected));
}
