/**
 * The market-data websocket at /v1/ws. A client sends `{"op":"subscribe","channels":[...]}` (and `unsubscribe`);
 * public channels are `book.<pair>` (a snapshot, then updates whose `seq` grows by one: a client that sees a gap
 * subscribes again), `trades.<pair>`, `ticker.<pair>` and `candles.<pair>.<period>`; after
 * `{"op":"auth","token":"<access token>"}` also `orders` and `balances`, the caller's own. Only pairs whose engine runs
 * in this process are served (ARCHITECTURE.md, "Exchange"): every pair channel is checked (`servedPair`), and one of
 * another pair is answered an error frame naming the channel. Frames are handled in the order sent, each after the one
 * before it (frames-in-order.ts).
 *
 * A frame that is not one of these (socket-requests.ts) is answered `{"event":"error","message","errors":[{"path",
 * "message"}]}` and changes nothing; one over 16 KiB closes the socket with 1009. A client more than
 * MAX_UNSENT_BYTES behind the feed (it stopped reading) is disconnected, and subscribes again from a snapshot. A
 * sign-in lasts while its token is valid and its user may act (api/http/socket-access.ts): when the token expires, or
 * the user is disabled or their allow-list no longer takes the socket's address, the socket is sent
 * `{"event":"unauthenticated","message","channels"}` (the private subscriptions that ended) within a second and keeps
 * its public channels; `auth` again to go on.
 */
import type { Server } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { DomainError } from '../../domain/errors.js';
import { CANDLE_PERIODS } from '../../services/exchange/candles-store.js';
import { levelRows, type FeedMessage } from '../../services/exchange/market-feed.js';
import type { ApiDeps } from '../context.js';
import { upgradeRequestIp } from '../http/client-ip.js';
import { SocketAccess } from '../http/socket-access.js';
import { feedFrame } from './feed-frames.js';
import { parseSocketRequest } from './socket-requests.js';
import { handleFramesInOrder } from './frames-in-order.js';

const PUBLIC = new RegExp(
  `^(?:(book|trades|ticker)\\.([A-Z0-9]{2,10}-[A-Z0-9]{2,10})|candles\\.([A-Z0-9]{2,10}-[A-Z0-9]{2,10})\\.(${CANDLE_PERIODS.join('|')}))$`,
);
const PRIVATE_CHANNELS = ['orders', 'balances'];
const MAX_MESSAGE_BYTES = 16 * 1024;
/**
 * What a socket may leave unsent (ws's queue and the TCP socket's) before it is dropped: the feed does not wait for a
 * socket, so a client that stops reading would have every message of its channels kept in this process's memory.
 * Minutes of a busy pair's trades and book updates, so a client that reads at all stays far below it.
 */
export const MAX_UNSENT_BYTES = 4 * 1024 * 1024;

export function attachMarketSocket(server: Server, deps: ApiDeps): WebSocketServer {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  server.on('upgrade', (request, socket, head) => {
    // the path as sent, not parsed as a URL: `new URL` throws on targets like `//`, and a throw here ends the process
    if (request.url?.split('?', 1)[0] !== '/v1/ws') {
      socket.destroy();
      return;
    }
    const ip = upgradeRequestIp(request, deps.settings.trustProxy);
    sockets.handleUpgrade(request, socket, head, (ws) => session(ws, deps, ip));
  });
  return sockets;
}

function session(ws: WebSocket, deps: ApiDeps, ip: string): void {
  const { exchange } = deps;
  const subscriptions = new Map<string, () => void>();
  const send = (message: object) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
  };
  const deliver = (message: FeedMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    // a close frame would queue behind what the client is not reading: the socket is cut, and its queue freed
    if (ws.bufferedAmount > MAX_UNSENT_BYTES) return ws.terminate();
    ws.send(feedFrame(message));
  };
  const fail = (message: string, channel?: string) => send({ event: 'error', message, ...(channel ? { channel } : {}) });
  const unsubscribe = (channel: string): boolean => {
    subscriptions.get(channel)?.();
    return subscriptions.delete(channel);
  };
  const access = new SocketAccess(deps, ip, (reason) => {
    const ended = PRIVATE_CHANNELS.filter(unsubscribe);
    send({ event: 'unauthenticated', message: reason, channels: ended });
  });

  const subscribe = async (channel: string): Promise<void> => {
    unsubscribe(channel);
    if (PRIVATE_CHANNELS.includes(channel)) {
      if (!access.userId) return fail('authenticate first: {"op":"auth","token":"<access token>"}', channel);
      subscriptions.set(channel, exchange.feed.subscribe(`${channel}:${access.userId}`, deliver));
      return send({ event: 'subscribed', channel });
    }
    const match = PUBLIC.exec(channel);
    if (!match) return fail('no such channel', channel);
    const code = match[2] ?? match[3]!;
    try {
      await exchange.servedPair(code);
      if (ws.readyState !== ws.OPEN) return;
      // the snapshot and the subscription happen in the same turn: no update can fall between them
      const book = match[1] === 'book' ? exchange.bookSnapshot(code) : null;
      subscriptions.set(channel, exchange.feed.subscribe(channel, deliver));
      if (!book) return send({ event: 'subscribed', channel });
      send({
        channel,
        type: 'snapshot',
        seq: book.seq,
        bids: levelRows(book.pair, book.bids),
        asks: levelRows(book.pair, book.asks),
      });
    } catch (error) {
      if (error instanceof DomainError) return fail(error.message, channel);
      deps.log.warn({ err: error }, 'market socket: could not check a pair');
      fail('could not check the pair: try again', channel);
    }
  };

  const subscribeAll = async (channels: string[]) => {
    for (const channel of channels) await subscribe(channel);
  };

  handleFramesInOrder(ws, (frame) => {
    const parsed = parseSocketRequest(frame);
    if ('issues' in parsed) {
      const message = parsed.issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ');
      return send({ event: 'error', message, errors: parsed.issues });
    }
    const { request } = parsed;
    switch (request.op) {
      case 'subscribe':
        return subscribeAll(request.channels);
      case 'unsubscribe':
        return request.channels.forEach(unsubscribe);
      case 'auth':
        return access.signIn(request.token).then(
          (refusal) => (refusal ? fail(refusal) : send({ event: 'authenticated' })),
          (error: unknown) => {
            deps.log.warn({ err: error }, 'market socket: could not check a sign-in');
            fail('could not check the token: try again');
          },
        );
    }
  });
  // a frame the protocol refuses (over MAX_MESSAGE_BYTES, not UTF-8): ws has closed the socket with its code (1009,
  // 1007…); an 'error' event nobody listens to would throw and end the process
  ws.on('error', (error) => deps.log.debug({ err: error }, 'market socket: a client broke the protocol'));
  ws.on('close', () => {
    access.close();
    for (const stop of subscriptions.values()) stop();
    subscriptions.clear();
  });
}
