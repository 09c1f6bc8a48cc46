/**
 * The load generator's POSTs, over keep-alive HTTP/1.1 connections of its own: the bench shares the 2 cores with the
 * API and PostgreSQL, and node:http's client (an IncomingMessage, a ClientRequest and their streams per request) cost
 * it about as much CPU per request as the engine under test. The server sees the same traffic as from node:http's
 * keep-alive agent: the same headers, one request at a time on each connection (no pipelining), a connection per
 * concurrent caller. Only what a bench needs is read back: the status, and the JSON body when asked for.
 */
import { connect, type Socket } from 'node:net';

const HEAD_END = Buffer.from('\r\n\r\n');
/**
 * An idle connection is given up this long before the server's announced keep-alive timeout (`Keep-Alive: timeout=N`,
 * node's 5 s by default), as undici does: reused at the moment the server closes it, a request is lost on a
 * connection the server has already closed ("the server closed the connection before answering"), which a pause
 * between a bench's rounds made likely.
 */
const IDLE_MARGIN_MS = 1_000;

/** Keep-alive connections to one server, at most `maxSockets` of them; a caller beyond that waits for a free one. */
export class KeepAliveConnections {
  private readonly idle: Connection[] = [];
  private readonly waiting: Array<(connection: Connection) => void> = [];
  private readonly all = new Set<Connection>();

  constructor(private readonly maxSockets: number) {}

  async send(url: URL, head: string, payload: string, read: boolean): Promise<{ status: number; body: any }> {
    const connection = await this.acquire(url);
    try {
      return await connection.exchange(head + payload, read);
    } finally {
      this.release(connection);
    }
  }

  destroy(): void {
    for (const connection of this.all) connection.close();
    this.all.clear();
    this.idle.length = 0;
  }

  private acquire(url: URL): Promise<Connection> {
    for (let connection = this.idle.pop(); connection; connection = this.idle.pop()) {
      if (connection.usable) return Promise.resolve(connection);
      this.all.delete(connection);
    }
    for (const connection of this.all) if (!connection.usable) this.all.delete(connection);
    if (this.all.size < this.maxSockets) {
      const connection = new Connection(url);
      this.all.add(connection);
      return Promise.resolve(connection);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(connection: Connection): void {
    if (!connection.usable) {
      this.all.delete(connection);
      // a caller waiting for a connection gets a new one in place of the closed one
      const waiter = this.waiting.shift();
      if (waiter) {
        const replacement = new Connection(connection.url);
        this.all.add(replacement);
        waiter(replacement);
      }
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter) waiter(connection);
    else this.idle.push(connection);
  }
}

/** One socket, one request at a time: the response is complete once its head and Content-Length bytes have arrived. */
class Connection {
  private readonly socket: Socket;
  private buffered: Buffer | null = null;
  private pending: {
    read: boolean;
    resolve: (response: { status: number; body: any }) => void;
    reject: (error: Error) => void;
  } | null = null;
  private closed = false;
  /** When the last response ended (null while a request is out), and how long the server keeps an idle connection. */
  private idleSince: number | null = null;
  private keepAliveMs = 5_000;

  constructor(readonly url: URL) {
    this.socket = connect(Number(url.port || 80), url.hostname);
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.received(chunk));
    const fail = (error: Error) => {
      this.closed = true;
      this.pending?.reject(error);
      this.pending = null;
    };
    this.socket.on('error', fail);
    this.socket.on('close', () => fail(new Error('the server closed the connection before answering')));
  }

  get usable(): boolean {
    if (!this.closed && this.idleSince !== null && Date.now() - this.idleSince > this.keepAliveMs - IDLE_MARGIN_MS) {
      this.close();
    }
    return !this.closed;
  }

  exchange(request: string, read: boolean): Promise<{ status: number; body: any }> {
    return new Promise((resolve, reject) => {
      this.pending = { read, resolve, reject };
      this.idleSince = null;
      this.socket.write(request);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private received(chunk: Buffer): void {
    const data = this.buffered ? Buffer.concat([this.buffered, chunk]) : chunk;
    const headEnd = data.indexOf(HEAD_END);
    if (headEnd < 0) {
      this.buffered = data;
      return;
    }
    const head = data.toString('latin1', 0, headEnd);
    if (/\r\ntransfer-encoding:/i.test(head)) {
      this.fail(new Error('a chunked response: this client reads Content-Length bodies only'));
      return;
    }
    const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? 0);
    const bodyStart = headEnd + HEAD_END.length;
    if (data.length < bodyStart + length) {
      this.buffered = data;
      return;
    }
    if (data.length > bodyStart + length) {
      this.fail(new Error('bytes after the response: the server answered what was not asked'));
      return;
    }
    this.buffered = null;
    const pending = this.pending;
    this.pending = null;
    if (/\r\nconnection:\s*close/i.test(head)) this.close();
    const keepAlive = /\r\nkeep-alive:[^\r]*timeout=(\d+)/i.exec(head);
    if (keepAlive) this.keepAliveMs = Number(keepAlive[1]) * 1_000;
    this.idleSince = Date.now();
    if (!pending) return;
    const status = Number(head.slice(9, 12));
    const body = pending.read && length > 0 ? JSON.parse(data.toString('utf8', bodyStart)) : null;
    pending.resolve({ status, body });
  }

  private fail(error: Error): void {
    this.pending?.reject(error);
    this.pending = null;
    this.close();
  }
}

export function keepAliveAgent(maxSockets: number): KeepAliveConnections {
  return new KeepAliveConnections(maxSockets);
}

/** Sends `body` as JSON with a bearer token and an Idempotency-Key; resolves with the status once the body is read. */
export async function post(
  agent: KeepAliveConnections,
  url: string,
  token: string,
  idempotencyKey: string,
  body?: unknown,
): Promise<number> {
  return (await send(agent, url, token, idempotencyKey, body, false)).status;
}

/** `post`, resolving with the parsed JSON body too (a quote's id, to accept it next). */
export function postForJson<T = any>(
  agent: KeepAliveConnections,
  url: string,
  token: string,
  idempotencyKey: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  return send(agent, url, token, idempotencyKey, body, true);
}

function send(
  agent: KeepAliveConnections,
  url: string,
  token: string,
  idempotencyKey: string,
  body: unknown,
  read: boolean,
): Promise<{ status: number; body: any }> {
  const target = new URL(url);
  const payload = body === undefined ? '' : JSON.stringify(body);
  // the headers node:http's keep-alive agent sends for the same call, in the same order
  const head =
    `POST ${target.pathname}${target.search} HTTP/1.1\r\n` +
    `authorization: Bearer ${token}\r\n` +
    `idempotency-key: ${idempotencyKey}\r\n` +
    (body === undefined ? '' : 'content-type: application/json\r\n') +
    `content-length: ${Buffer.byteLength(payload)}\r\n` +
    `Host: ${target.host}\r\n` +
    'Connection: keep-alive\r\n\r\n';
  return agent.send(target, head, payload, read);
}
