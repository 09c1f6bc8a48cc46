/**
 * Following new heads: the real anvil's websocket behind a TCP proxy the test can cut. While the socket is up, every
 * block wakes the listener; when it drops, the listener polls; when the node is reachable again, it subscribes again.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { NewHeads } from '../../chains/evm/new-heads.js';
import { eventually } from '../support/evm.js';
import { freePort } from '../support/ports.js';

let port: number;
let proxy: Server | null = null;
const sockets = new Set<Socket>();

function openProxy(): Promise<void> {
  const target = new URL(inject('evmWsUrl'));
  proxy = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve) => proxy!.listen(port, '127.0.0.1', () => resolve()));
}

async function cutProxy(): Promise<void> {
  for (const s of sockets) s.destroy();
  await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
  proxy = null;
}

beforeAll(async () => {
  port = await freePort();
  await openProxy();
});
afterAll(() => cutProxy());

describe('NewHeads', () => {
  it(
    'wakes on new heads over the websocket, polls while it is down, and subscribes again when it is back',
    { timeout: 60_000 },
    async () => {
      const heads = new NewHeads(`ws://127.0.0.1:${port}`, pino({ level: 'silent' }), {
        pollIntervalMs: 200,
        safetyIntervalMs: 60_000,
      });
      heads.start();
      try {
        await eventually('subscribed', async () => heads.subscribed);
        // with a 60 s safety interval, only a new head (1-second blocks) can wake it this fast
        let started = Date.now();
        await heads.next();
        await heads.next();
        expect(Date.now() - started).toBeLessThan(5_000);

        await cutProxy();
        await eventually('the drop noticed', async () => !heads.subscribed);
        started = Date.now();
        for (let i = 0; i < 5; i++) await heads.next();
        expect(Date.now() - started).toBeLessThan(3_000); // polling every 200 ms

        await openProxy();
        await eventually('subscribed again', async () => heads.subscribed, 40_000);
        started = Date.now();
        await heads.next();
        await heads.next();
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        heads.stop();
      }
    },
  );
});
