/**
 * The market socket and a client that stops reading: the feed never waits for a socket, so what such a client leaves
 * unsent would pile up in the API's memory for as long as it stays connected. Past MAX_UNSENT_BYTES it is cut off; a
 * client that reads gets everything.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { type WebSocketServer } from 'ws';
import { attachMarketSocket, MAX_UNSENT_BYTES } from '../../api/exchange/market-socket.js';
import type { ApiDeps } from '../../api/context.js';
import type { Applied } from '../../domain/exchange/market-state.js';
import type { Trade } from '../../domain/exchange/orders.js';
import { MarketFeed } from '../../services/exchange/market-feed.js';
import type { Sql } from '../../platform/db/client.js';
import { BTC_USDT } from '../support/pairs.js';

const log = pino({ level: 'silent' });
const pair = BTC_USDT;

let server: Server | undefined;
let sockets: WebSocketServer | undefined;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.terminate();
  sockets?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
});

/** A market socket over a feed this test publishes to, and a client subscribed to the pair's trades. */
async function socketOn(feed: MarketFeed) {
  const deps = {
    settings: { trustProxy: false },
    log,
    exchange: { feed, servedPair: async () => pair },
  } as unknown as ApiDeps;
  server = createServer();
  sockets = attachMarketSocket(server, deps);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/v1/ws`;
  return async () => {
    const client = new WebSocket(url);
    clients.push(client);
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const subscribed = new Promise((resolve) => client.once('message', resolve));
    client.send(JSON.stringify({ op: 'subscribe', channels: ['trades.BTC-USDT'] }));
    await subscribed;
    return client;
  };
}

/** A command that made `count` trades: the feed publishes one message each on `trades.BTC-USDT`. */
function tradesApplied(count: number, firstId: number): Applied {
  const trades: Trade[] = Array.from({ length: count }, (_, i) => ({
    id: firstId + i,
    price: 3_000_000,
    quantity: 1,
    takerSide: 'buy',
    takerOrderId: 1,
    makerOrderId: 2,
    takerOwner: 'a',
    makerOwner: 'b',
    base: 1_000n,
    quote: 30_000n,
    takerFee: 0n,
    makerFee: 0n,
    makerRemaining: 1,
  }));
  return { kind: 'place', seq: 1, orderId: 1, result: {} as never, levels: [], bookSeq: null, groups: [], orders: [], trades };
}

describe('market socket backlog', () => {
  it('disconnects a client that stops reading once it is MAX_UNSENT_BYTES behind, and keeps one that reads', async () => {
    const feed = new MarketFeed({} as Sql, log);
    const connect = await socketOn(feed);
    const stalled = await connect();
    const reading = await connect();
    let received = 0;
    reading.on('message', (data) => (received += (data as Buffer).length));
    // the client's side stops reading: what the server sends stays in TCP's buffers, then in the server's
    stalled.pause();
    let published = 0;
    let trades = 0;
    // far more than the bound and what the kernel buffers on both sides can hold
    while (sockets!.clients.size === 2 && published < 8 * MAX_UNSENT_BYTES) {
      feed.applied(pair, tradesApplied(1_000, trades), {});
      trades += 1_000;
      published = trades * 110;
      await turn();
    }
    expect(sockets!.clients.size).toBe(1);
    // the one left is the client that reads: it is sent everything, and its queue drains
    const [left] = [...sockets!.clients];
    await expect.poll(() => left!.bufferedAmount, { timeout: 10_000 }).toBe(0);
    expect(received).toBeGreaterThan(MAX_UNSENT_BYTES);
    expect(reading.readyState).toBe(WebSocket.OPEN);
  }, 20_000);
});
