/**
 * The spot exchange on the real stack over HTTP: two users trade, every bad input gets a clear 4xx, and the API
 * process (which runs the matching engines) is killed with SIGKILL, idle and mid-stream, and comes back with the same
 * book, no lost or doubled trade, and clean audits.
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../platform/embedded/process.js';
import { fund, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let ann: { id: string; token: string };
let bob: { id: string; token: string };

beforeAll(async () => {
  stack = await startStack();
  ann = await stack.api.signUp('ann@example.com');
  bob = await stack.api.signUp('bob@example.com');
  await fund(stack, ann.id, 'BTC', '1.00000000');
  await fund(stack, bob.id, 'USDT', '100000.000000');
});
afterAll(() => stack?.stop());

let keys = 0;
const place = (user: { token: string }, body: Record<string, unknown>, key = `order-${++keys}`) =>
  stack.api.post('/v1/orders', body, { token: user.token, headers: { 'idempotency-key': key } });
const balance = async (user: { token: string }, currency: string) =>
  (await stack.api.get('/v1/balances', { token: user.token })).body.data.find(
    (b: { currency: string }) => b.currency === currency,
  );
/** A market websocket keeping every frame it receives, with a way to wait for one. */
const openMarketSocket = async () => {
  const socket = new WebSocket(`${stack.url.replace('http', 'ws')}/v1/ws`);
  const frames: any[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const received = async (what: string, match: (frame: any) => boolean, timeoutMs?: number) => {
    await waitUntil(
      what,
      async () => {
        if (!frames.some(match)) throw new Error('not yet');
      },
      { timeoutMs, intervalMs: 10 },
    );
    return frames.find(match);
  };
  return { socket, frames, send: (message: object) => socket.send(JSON.stringify(message)), received };
};
const market = async () => (await stack.api.get('/v1/ops/markets/BTC-USDT', { token: stack.admin.token })).body;
/** After a restart the API answers before it leads the pair again (the dead process's lock must free first). */
const restartApi = async () => {
  await stack.startApi();
  await waitUntil('the restarted API running BTC-USDT', async () => {
    const response = await stack.api.get('/v1/ops/markets/BTC-USDT', { token: stack.admin.token });
    if (response.status !== 200) throw new Error(`${response.status}`);
  });
};

describe('trading over HTTP', () => {
  it('holds, matches, settles with fees, shows fills and trades, and cancels the rest', async () => {
    const ask = await place(ann, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '50000.00', amount: '0.1' });
    expect(ask.status).toBe(201);
    expect(ask.body).toMatchObject({ status: 'open', held: '0.10000000', filled_amount: '0.00000000' });

    const bid = await place(bob, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '50100', amount: '0.05' });
    expect(bid.status).toBe(201);
    expect(bid.body).toMatchObject({
      status: 'filled',
      filled_amount: '0.05000000',
      filled_quote: '2500.000000',
      fee: '0.00010000',
    });
    // behind the same barrier as balances: the notice written when the order settles is there at once
    const notices = await stack.api.get('/v1/notifications', { token: bob.token });
    expect(notices.body.data).toEqual([
      expect.objectContaining({ kind: 'order_filled', body: expect.objectContaining({ order_id: bid.body.id }) }),
    ]);

    const withFills = await stack.api.get(`/v1/orders/${ask.body.id}`, { token: ann.token });
    expect(withFills.body).toMatchObject({ status: 'open', filled_amount: '0.05000000', held: '0.05000000' });
    expect(withFills.body.fills).toEqual([
      expect.objectContaining({ price: '50000.000000', amount: '0.05000000', side: 'sell', liquidity: 'maker', fee: '2.500000' }),
    ]);
    const trades = await stack.api.get('/v1/trades', { token: bob.token });
    expect(trades.body.data).toEqual([expect.objectContaining({ side: 'buy', liquidity: 'taker', quote_amount: '2500.000000' })]);
    expect(await balance(bob, 'BTC')).toMatchObject({ available: '0.04990000' });
    expect(await balance(bob, 'USDT')).toMatchObject({ available: '97500.000000' });
    expect(await balance(ann, 'USDT')).toMatchObject({ available: '2497.500000' });

    const open = await stack.api.get('/v1/orders?state=open', { token: ann.token });
    expect(open.body.data.map((o: { id: string }) => o.id)).toEqual([ask.body.id]);
    const cancelled = await stack.api.delete(`/v1/orders/${ask.body.id}`, { token: ann.token });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', held: '0.00000000' });
    expect(await balance(ann, 'BTC')).toMatchObject({ available: '0.95000000', pending: '0.00000000' });

    const again = await place(bob, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '50100', amount: '0.05' }, 'order-2');
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(bid.body.id);
  });

  it('gives a clear 4xx for every bad order', async () => {
    const limit = { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '100.00', amount: '0.01' };
    const problem = async (response: Promise<{ status: number; body: any }>) => {
      const r = await response;
      return {
        status: r.status,
        code: r.body.type?.split('/').pop() ?? r.body.code,
        fields: (r.body.errors ?? []).map((e: { path: string }) => e.path),
      };
    };
    expect(await problem(place(bob, { ...limit, price: '100.001' }))).toMatchObject({ status: 400, fields: ['price'] });
    expect(await problem(place(bob, { ...limit, amount: '0.00001' }))).toMatchObject({ status: 400, fields: ['amount'] });
    expect(await problem(place(bob, { ...limit, pair: 'DOGE-USDT' }))).toMatchObject({ status: 400, fields: ['pair'] });
    await stack.db.sql`update pairs set enabled = false where code = 'ETH-USDT'`;
    await sleep(1_100); // the API reads pairs again after a second
    expect(await problem(place(bob, { ...limit, pair: 'ETH-USDT', amount: '0.01' }))).toMatchObject({
      status: 422,
      fields: ['pair'],
    });
    expect(await problem(place(bob, { ...limit, amount: '10000' }))).toMatchObject({ status: 422, fields: ['amount'] });
    expect(await problem(place(ann, { ...limit, side: 'sell', amount: '5' }))).toMatchObject({ status: 422, fields: ['amount'] });
    expect((await stack.api.post('/v1/orders', limit, { token: bob.token })).status).toBe(400); // no Idempotency-Key

    const resting = await place(ann, { ...limit, side: 'sell', price: '90000', amount: '0.01' });
    expect((await stack.api.delete(`/v1/orders/${resting.body.id}`, { token: bob.token })).status).toBe(404);
    const maker = await place(ann, { ...limit, side: 'sell', price: '40000', amount: '0.001' });
    await place(bob, { ...limit, price: '40000', amount: '0.001', time_in_force: 'IOC' });
    expect((await stack.api.get(`/v1/orders/${maker.body.id}`, { token: ann.token })).body.status).toBe('filled');
    expect(await problem(stack.api.delete(`/v1/orders/${maker.body.id}`, { token: ann.token }))).toMatchObject({ status: 409 });
  });
});

describe('market data', () => {
  it('streams book updates without gaps, trades, ticker and private orders while two users trade; serves candles', async () => {
    const { socket, frames: messages, send, received } = await openMarketSocket();
    send({ op: 'auth', token: bob.token });
    await received('authenticated', (m) => m.event === 'authenticated');
    send({ op: 'subscribe', channels: ['book.BTC-USDT', 'trades.BTC-USDT', 'ticker.BTC-USDT', 'candles.BTC-USDT.1m', 'orders'] });
    await received('the book snapshot', (m) => m.type === 'snapshot');

    for (let i = 0; i < 10; i++) {
      await place(ann, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: String(60_000 + i), amount: '0.002' });
      await place(bob, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: String(60_000 + i), amount: '0.001' });
    }
    await waitUntil('ten trades on the socket', async () => {
      if (messages.filter((m) => m.channel === 'trades.BTC-USDT').length < 10) throw new Error('not yet');
    });
    // trades go out as they apply, candles once settled: a read behind the barrier waits until bob's (all ten) are
    await balance(bob, 'BTC');
    socket.close();

    const book = messages.filter((m) => m.channel === 'book.BTC-USDT');
    expect(book[0].type).toBe('snapshot');
    const seqs = book.map((m) => m.seq);
    expect(seqs.slice(1)).toEqual(seqs.slice(1).map((_, i) => seqs[0] + 1 + i)); // no gaps after the snapshot
    expect(book.length).toBeGreaterThanOrEqual(20);
    // the snapshot with every update applied is the book the engine has
    const levels = { bids: new Map<string, string>(), asks: new Map<string, string>() };
    for (const m of book) {
      for (const side of ['bids', 'asks'] as const) {
        for (const [price, amount] of m[side]) {
          if (/^0\.0+$/.test(amount)) levels[side].delete(price);
          else levels[side].set(price, amount);
        }
      }
    }
    const live = await market();
    const sorted = (side: Map<string, string>, descending: boolean) =>
      [...side].sort(([a], [b]) => (descending ? Number(b) - Number(a) : Number(a) - Number(b))).slice(0, 20);
    expect(sorted(levels.bids, true)).toEqual(live.bids);
    expect(sorted(levels.asks, false)).toEqual(live.asks);
    const lastTrade = messages.filter((m) => m.channel === 'trades.BTC-USDT').at(-1);
    expect(messages.filter((m) => m.channel === 'ticker.BTC-USDT').at(-1)).toMatchObject({ last: lastTrade.price });
    expect(messages.filter((m) => m.channel === 'orders').at(-1)).toMatchObject({ status: 'filled', side: 'buy' });
    expect(messages.filter((m) => m.channel === 'candles.BTC-USDT.1m').at(-1)).toMatchObject({ close: lastTrade.price });

    const candles = await stack.api.get('/v1/candles?pair=BTC-USDT&interval=1m');
    expect(candles.status).toBe(200);
    const volume = candles.body.data.reduce((sum: number, c: { trades: number }) => sum + c.trades, 0);
    expect(volume).toBeGreaterThanOrEqual(10);
    expect(candles.body.data.at(-1)).toMatchObject({ close: lastTrade.price });
    expect((await stack.api.get('/v1/candles?pair=BTC-USDT&interval=2m')).status).toBe(400);
  });
  it('answers every malformed frame with an error and goes on serving; nothing a client sends ends the API', async () => {
    const { socket, frames, send, received } = await openMarketSocket();
    const malformed: Array<[string, string]> = [
      ['null', 'message'],
      ['42', 'message'],
      ['[]', 'message'],
      ['"subscribe"', 'message'],
      ['{"op":', 'message'],
      ['{}', 'op'],
      ['{"op":"dance"}', 'op'],
      ['{"op":"subscribe"}', 'channels'],
      ['{"op":"subscribe","channels":"trades.BTC-USDT"}', 'channels'],
      ['{"op":"unsubscribe","channels":[1]}', 'channels.0'],
      ['{"op":"auth","token":null}', 'token'],
    ];
    for (const [frame] of malformed) socket.send(frame);
    await received('an error for each frame', () => frames.length === malformed.length);
    expect(frames.map((f) => [f.event, f.errors.map((e: { path: string }) => e.path)])).toEqual(
      malformed.map(([, path]) => ['error', [path]]),
    );
    expect(frames[0].message).toBe('message: Invalid input: expected object, received null');

    // a frame over 16 KiB closes its socket with 1009 (message too big); a broken upgrade request is refused
    const big = await openMarketSocket();
    const closed = new Promise<number>((resolve) => big.socket.once('close', resolve));
    big.socket.send(JSON.stringify({ op: 'subscribe', channels: Array(4_000).fill('trades.BTC-USDT') }));
    expect(await closed).toBe(1009);
    const port = new URL(stack.url).port;
    const raw = connect(Number(port), '127.0.0.1', () =>
      raw.write('GET // HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
    );
    await new Promise((resolve) => raw.once('close', resolve));

    // the first socket is still open on the same process, and serves
    send({ op: 'subscribe', channels: ['trades.BTC-USDT'] });
    expect(await received('subscribed', (f) => f.event === 'subscribed')).toEqual({
      event: 'subscribed',
      channel: 'trades.BTC-USDT',
    });
    expect((await stack.api.get('/v1/candles?pair=BTC-USDT&interval=1m')).status).toBe(200);
    socket.close();
  });

  it("handles a socket's frames in the order sent, and checks every pair channel's pair", async () => {
    // auth and subscribe sent together: the subscription waits for the sign-in, on every socket
    const sockets = await Promise.all([1, 2, 3].map(() => openMarketSocket()));
    for (const { send } of sockets) {
      send({ op: 'auth', token: bob.token });
      send({ op: 'subscribe', channels: ['orders', 'balances'] });
    }
    for (const { received, frames } of sockets) {
      await received('both subscribed', () => frames.length === 3);
      expect(frames).toEqual([
        { event: 'authenticated' },
        { event: 'subscribed', channel: 'orders' },
        { event: 'subscribed', channel: 'balances' },
      ]);
    }
    // a pair we do not trade is refused on every channel that names one, as /v1/candles refuses it
    const { send, received, frames } = sockets[0]!;
    const unknown = ['trades.NOPE-USDT', 'ticker.USD-UAH', 'candles.FOO-BAR.1m', 'book.NOPE-USDT'];
    send({ op: 'subscribe', channels: [...unknown, 'ticker.BTC-USDT'] });
    await received('the known pair subscribed', (f) => f.channel === 'ticker.BTC-USDT');
    expect(frames.slice(3)).toEqual([
      ...unknown.map((channel) => ({ event: 'error', channel, message: `no pair ${channel.split('.')[1]}` })),
      { event: 'subscribed', channel: 'ticker.BTC-USDT' },
    ]);
    expect((await stack.api.get('/v1/candles?pair=FOO-BAR&interval=1m')).body).toMatchObject({ code: 'unknown_pair' });
    for (const s of sockets) s.socket.close();
  });

  it("ends a disabled user's private channels within a second, refuses them again, and public channels go on", async () => {
    const carl = await stack.api.signUp('carl-ws@example.com');
    await fund(stack, carl.id, 'USDT', '1000.000000');
    const carlSocket = await openMarketSocket();
    carlSocket.send({ op: 'auth', token: carl.token });
    await carlSocket.received('authenticated', (f) => f.event === 'authenticated');
    carlSocket.send({ op: 'subscribe', channels: ['orders', 'balances', 'trades.BTC-USDT'] });
    const other = await openMarketSocket();
    other.send({ op: 'subscribe', channels: ['trades.BTC-USDT'] });
    await other.received('subscribed', (f) => f.event === 'subscribed');
    const isPrivate = (f: { type?: string }) => f.type === 'order' || f.type === 'balance';

    // half of carl's bid fills while he may act: its order and his balances stream to him
    const bid = await place(carl, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '20500', amount: '0.002' });
    await place(ann, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '20500', amount: '0.001' });
    await carlSocket.received('the fill on orders', (f) => f.channel === 'orders' && f.filled_amount === '0.00100000');
    await carlSocket.received('his balances', (f) => f.channel === 'balances');

    const disabled = await stack.api.put(`/v1/ops/users/${carl.id}/disabled`, { disabled: true }, { token: stack.admin.token });
    expect(disabled.status).toBe(200);
    const ended = await carlSocket.received('private channels ended', (f) => f.event === 'unauthenticated', 1_000);
    expect(ended).toEqual({ event: 'unauthenticated', message: 'this account is disabled', channels: ['orders', 'balances'] });
    const privateFrames = carlSocket.frames.filter(isPrivate).length;
    carlSocket.send({ op: 'subscribe', channels: ['balances'] });
    await carlSocket.received('subscribe refused', (f) => f.event === 'error' && f.channel === 'balances');
    carlSocket.send({ op: 'auth', token: carl.token });
    await carlSocket.received('sign-in refused', (f) => f.event === 'error' && f.message === 'this account is disabled');

    // the rest of his bid fills: both sockets see the trade, carl's socket no longer his order or balances
    await place(ann, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '20500', amount: '0.001' });
    const trades = (s: { frames: any[] }) => s.frames.filter((f) => f.channel === 'trades.BTC-USDT' && Number(f.price) === 20500);
    await other.received('both trades on the public socket', () => trades(other).length === 2);
    await carlSocket.received("the second trade on carl's public channel", () => trades(carlSocket).length === 2);
    await waitUntil("carl's bid settled", async () => {
      const [order] = await stack.db.sql`select status from orders where id = ${bid.body.id}`;
      if (order?.status !== 'filled') throw new Error(String(order?.status));
    });
    await sleep(500); // balances are published a read after settling
    expect(carlSocket.frames.filter(isPrivate).length).toBe(privateFrames);
    carlSocket.socket.close();
    other.socket.close();
  });
});

describe('trigger orders', () => {
  const trigger = (user: { token: string }, body: Record<string, unknown>) =>
    stack.api.post('/v1/triggers', body, { token: user.token, headers: { 'idempotency-key': `trigger-${++keys}` } });

  it('a stop order holds its funds, fires when the last price crosses, and places its order', async () => {
    await place(bob, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '18000', amount: '0.02' });
    const before = await balance(ann, 'BTC');
    const stop = await trigger(ann, {
      pair: 'BTC-USDT',
      kind: 'stop_market',
      side: 'sell',
      trigger_price: '20000',
      amount: '0.01',
    });
    expect(stop.status).toBe(201);
    expect(stop.body).toMatchObject({ status: 'pending', order_id: null });
    expect(Number((await balance(ann, 'BTC')).pending) - Number(before.pending)).toBeCloseTo(0.01, 8);

    // a trade at 19,000 crosses the stop
    await place(bob, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '19000', amount: '0.001' });
    await place(ann, { pair: 'BTC-USDT', side: 'sell', type: 'limit', price: '19000', amount: '0.001' });
    let fired: any;
    await waitUntil('the stop fired', async () => {
      fired = (await stack.api.get(`/v1/triggers/${stop.body.id}`, { token: ann.token })).body;
      if (fired.status !== 'fired') throw new Error(fired.status);
    });
    // the trigger is marked fired as its order is journaled; the order settles a moment later
    let order: any;
    await waitUntil("the stop's order settled", async () => {
      order = await stack.api.get(`/v1/orders/${fired.order_id}`, { token: ann.token });
      if (order.body.status === 'new') throw new Error('not yet');
    });
    expect(order.body).toMatchObject({ type: 'market', side: 'sell', status: 'filled', filled_amount: '0.01000000' });
    expect(order.body.fills.map((f: { price: string }) => f.price)).toEqual(['18000.000000']);
    expect((await balance(ann, 'BTC')).pending).toBe(before.pending);
    const workflow = stack.temporal.workflow.getHandle(`trigger:${stop.body.id}`);
    expect(await workflow.result()).toEqual({
      triggerId: stop.body.id,
      status: 'fired',
      orderId: fired.order_id,
      firedLeg: 'stop_market',
    });
  });

  it('a pending trigger is cancelled by its owner only, and its hold released', async () => {
    const before = await balance(bob, 'USDT');
    const stop = await trigger(bob, {
      pair: 'BTC-USDT',
      kind: 'stop_limit',
      side: 'buy',
      trigger_price: '90000',
      price: '90000',
      amount: '0.001',
    });
    expect(stop.status).toBe(201);
    expect((await balance(bob, 'USDT')).available).not.toBe(before.available);
    expect((await stack.api.delete(`/v1/triggers/${stop.body.id}`, { token: ann.token })).status).toBe(404);
    const cancelled = await stack.api.delete(`/v1/triggers/${stop.body.id}`, { token: bob.token });
    expect(cancelled.body).toMatchObject({ status: 'cancelled' });
    expect((await balance(bob, 'USDT')).available).toBe(before.available);
    expect((await stack.api.delete(`/v1/triggers/${stop.body.id}`, { token: bob.token })).status).toBe(409);
    const missingPrice = await trigger(bob, {
      pair: 'BTC-USDT',
      kind: 'stop_limit',
      side: 'buy',
      trigger_price: '90000',
      amount: '0.001',
    });
    expect(missingPrice.status).toBe(400);
  });

  it('an OCO holds once; the leg that fires first places the one order, the other is gone; a cancel ends both', async () => {
    await fund(stack, ann.id, 'XRP', '1000');
    const xrp = { pair: 'XRP-USDT', side: 'sell', amount: '100' };
    const xrpOrders = async () =>
      (await stack.api.get('/v1/orders?pair=XRP-USDT&limit=100', { token: ann.token })).body.data as Array<{ id: string }>;
    expect((await trigger(ann, { ...xrp, kind: 'oco', trigger_price: '3', stop_price: '3.5' })).body).toMatchObject({
      status: 400,
      errors: [expect.objectContaining({ path: 'stop_price' })],
    });
    expect((await trigger(ann, { ...xrp, kind: 'oco', trigger_price: '3' })).status).toBe(400);
    expect((await trigger(ann, { ...xrp, kind: 'stop_market', trigger_price: '1.5', stop_price: '1' })).status).toBe(400);

    const oco = await trigger(ann, { ...xrp, kind: 'oco', trigger_price: '3', price: '3', stop_price: '1.5' });
    expect(oco.status).toBe(201);
    expect(oco.body).toMatchObject({ kind: 'oco', trigger_price: '3.000000', stop_price: '1.500000', fired_leg: null });
    const cancelledOco = await trigger(ann, {
      ...xrp,
      amount: '50',
      kind: 'oco',
      trigger_price: '2.5',
      stop_price: '1.6',
      stop_limit_price: '1.55',
    });
    expect((await balance(ann, 'XRP')).pending).toBe('150.000000'); // one hold per OCO, not one per leg
    const cancelled = await stack.api.delete(`/v1/triggers/${cancelledOco.body.id}`, { token: ann.token });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', order_id: null, fired_leg: null });
    expect((await balance(ann, 'XRP')).pending).toBe('100.000000');
    // its details give both legs' prices in the quote currency, as the trigger's own view does
    const ocoDetails = await stack.api.get(`/v1/orders/trg_${cancelledOco.body.id}/details`, { token: ann.token });
    expect(ocoDetails.body.details).toMatchObject({
      trigger_price: '2.500000',
      stop_price: '1.600000',
      stop_limit_price: '1.550000',
    });
    const cancelledWorkflow = stack.temporal.workflow.getHandle(`trigger:${cancelledOco.body.id}`);
    expect(await cancelledWorkflow.result()).toMatchObject({ status: 'cancelled' });

    // a trade at 1.45 crosses the first OCO's stop (and would have crossed the cancelled one's)
    await place(bob, { pair: 'XRP-USDT', side: 'buy', type: 'limit', price: '1.45', amount: '200' });
    await place(ann, { pair: 'XRP-USDT', side: 'sell', type: 'limit', price: '1.45', amount: '10' });
    let fired: any;
    await waitUntil('the OCO stop fired', async () => {
      fired = (await stack.api.get(`/v1/triggers/${oco.body.id}`, { token: ann.token })).body;
      if (fired.status !== 'fired') throw new Error(fired.status);
    });
    expect(fired.fired_leg).toBe('stop_market');
    await waitUntil("the stop's order settled", async () => {
      const order = await stack.api.get(`/v1/orders/${fired.order_id}`, { token: ann.token });
      if (order.body.status !== 'filled') throw new Error(order.body.status);
    });
    expect(await stack.temporal.workflow.getHandle(`trigger:${oco.body.id}`).result()).toEqual({
      triggerId: oco.body.id,
      status: 'fired',
      orderId: fired.order_id,
      firedLeg: 'stop_market',
    });
    const ordersBefore = (await xrpOrders()).length;

    // a trade at 3 would fire the take-profit leg: it left the book with the stop, so no order follows
    await place(bob, { pair: 'XRP-USDT', side: 'sell', type: 'limit', price: '3', amount: '10' });
    const buy = await place(ann, { pair: 'XRP-USDT', side: 'buy', type: 'limit', price: '3', amount: '10' });
    expect(buy.body).toMatchObject({ status: 'filled' });
    await sleep(1_000); // a firing is placed within milliseconds of its trade
    expect((await xrpOrders()).length).toBe(ordersBefore + 1);
    expect((await stack.api.get(`/v1/triggers/${oco.body.id}`, { token: ann.token })).body).toMatchObject({
      status: 'fired',
      order_id: fired.order_id,
    });
    expect((await balance(ann, 'XRP')).pending).toBe('0.000000');
  });
});

describe("the pair's exchange rate from its last trade", () => {
  it('a market-sourced rate shows the last trade price, quotes use it, and it goes stale without trades', async () => {
    const admin = { token: stack.admin.token };
    const marketSource = (max_age_seconds: number) =>
      stack.api.put('/v1/ops/pairs/XRP-USDT/rate-source', { kind: 'market', spread_percent: '0', max_age_seconds }, admin);
    const xrpRate = async () =>
      (await stack.api.get('/v1/exchange-rates')).body.data.find((r: { pair: string }) => r.pair === 'XRP-USDT');
    expect((await stack.api.put('/v1/ops/pairs/USD-UAH/rate-source', { kind: 'market' }, admin)).status).toBe(400);
    const set = await marketSource(3600);
    expect(set.body).toMatchObject({ kind: 'market', max_age_seconds: 3600 });

    await fund(stack, ann.id, 'XRP', '10');
    await place(ann, { pair: 'XRP-USDT', side: 'sell', type: 'limit', price: '2.5', amount: '10' });
    expect((await place(bob, { pair: 'XRP-USDT', side: 'buy', type: 'limit', price: '2.5', amount: '10' })).body).toMatchObject({
      status: 'filled',
    });
    const refreshed = await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, admin);
    expect(refreshed.body.recorded).toContain('XRP-USDT');
    await waitUntil('the rate at the last trade', async () => {
      const rate = await xrpRate();
      if (rate.rate !== '2.5') throw new Error(rate.rate);
    });
    expect(await xrpRate()).toMatchObject({ source: 'market', stale: false });

    // bob sells 5 XRP to the house at the 2.5 mid (no spread): 0.2% fee, 4.99 × 2.5 = 12.475 USDT
    const inventory = await stack.api.post(
      '/v1/ops/exchange/inventory',
      { currency: 'USDT', amount: '100' },
      { ...admin, headers: { 'idempotency-key': 'inventory-for-market-rate' } },
    );
    expect(inventory.status).toBe(201);
    const quote = await stack.api.post('/v1/exchange/quotes', { from: 'XRP', to: 'USDT', amount_in: '5' }, bob);
    expect(quote.body).toMatchObject({ pair: 'XRP-USDT', rate: '2.5', fee: '0.010000', amount_out: '12.475000' });

    await marketSource(1);
    await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, admin);
    await sleep(1_100);
    await waitUntil('the rate stale', async () => {
      if (!(await xrpRate()).stale) throw new Error('fresh');
    });
    expect((await stack.api.post('/v1/exchange/quotes', { from: 'XRP', to: 'USDT', amount_in: '5' }, bob)).status).toBe(503);
    await marketSource(3600); // later tests quote nothing on XRP, but leave the pair as priced as it was found
  });
});

describe('the engine process killed with SIGKILL', () => {
  /** The book snapshot a websocket subscriber starts from, with the number of the last update. */
  const bookSnapshot = async () => {
    const socket = new WebSocket(`${stack.url.replace('http', 'ws')}/v1/ws`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const snapshot = new Promise<{ seq: number; bids: unknown[]; asks: unknown[] }>((resolve) =>
      socket.on('message', (data) => {
        const m = JSON.parse(String(data));
        if (m.type === 'snapshot') resolve(m);
      }),
    );
    socket.send(JSON.stringify({ op: 'subscribe', channels: ['book.BTC-USDT'] }));
    const { seq, bids, asks } = await snapshot;
    socket.close();
    return { seq, bids, asks };
  };

  it('comes back with the identical book, and its update numbers, when killed idle', async () => {
    await place(bob, { pair: 'BTC-USDT', side: 'buy', type: 'limit', price: '30000', amount: '0.02' });
    const before = await market();
    const subscribedBefore = await bookSnapshot();
    expect(before.bids.length).toBeGreaterThan(0);
    expect(subscribedBefore.seq).toBeGreaterThan(0);
    await stack.killApi('SIGKILL');
    await restartApi();
    const after = await market();
    expect(after).toEqual(before);
    // a client that saw update n before the crash gets n + 1 next: no gap, no re-subscription
    expect(await bookSnapshot()).toEqual(subscribedBefore);
  });

  it('killed mid-stream: no lost or doubled trade, engine hash equal to the journal’s, audits clean', async () => {
    const traders = await Promise.all(
      ['cy', 'di', 'ed', 'flo'].map(async (name) => {
        const user = await stack.api.signUp(`${name}@example.com`);
        await fund(stack, user.id, 'BTC', '1.00000000');
        await fund(stack, user.id, 'USDT', '100000.000000');
        return user;
      }),
    );
    let sent = 0;
    const stream = Promise.allSettled(
      traders.map(async (t, i) => {
        for (let n = 0; n < 60; n++) {
          sent++;
          const side = (n + i) % 2 === 0 ? 'buy' : 'sell';
          await place(t, {
            pair: 'BTC-USDT',
            side,
            type: 'limit',
            price: String(45_000 + ((n * 7 + i * 13) % 20)),
            amount: '0.001',
          }).catch(() => {});
        }
      }),
    );
    while (sent < 80) await sleep(5);
    await stack.killApi('SIGKILL');
    await stream;
    await restartApi();

    const audit = await stack.api.post('/v1/ops/markets/BTC-USDT/audit', undefined, { token: stack.admin.token });
    expect(audit.status).toBe(200);
    expect(audit.body.ok).toBe(true);
    expect(audit.body.engine).toEqual(audit.body.journal);
    const [counts] = await stack.db.sql`
      select (select count(*)::int from trades where pair = 'BTC-USDT') as trades,
             (select count(*)::int from ledger_transfers where key like 'trade:BTC-USDT:%:seller-post') as settled,
             (select count(*)::int from orders where status = 'new') as unsettled`;
    expect(counts).toMatchObject({ unsettled: 0 });
    expect(counts!.trades).toBe(counts!.settled);
    expect(counts!.trades).toBeGreaterThan(5);
    const ledgerAudit = await stack.api.post('/v1/ops/audit', undefined, { token: stack.admin.token });
    expect(ledgerAudit.body).toMatchObject({ ok: true, drifts: [] });
  });
});

describe('operators', () => {
  it('halt and resume a market through its workflow', async () => {
    const op = { token: stack.admin.token };
    await waitUntil('the market workflow', async () => {
      const state = await stack.api.get('/v1/ops/markets/XRP-USDT/workflow', op);
      if (state.status !== 200) throw new Error(String(state.status));
    });
    const state = (await stack.api.get('/v1/ops/markets/XRP-USDT/workflow', op)).body;
    // named in snake_case as every answer (it gave the workflow's own lastCheckpoint and lastAudit)
    expect(Object.keys(state).sort()).toEqual(['halted', 'last_audit', 'last_checkpoint', 'pair']);
    expect((await stack.api.post('/v1/ops/markets/XRP-USDT/resume', {}, op)).status).toBe(409);
    const halted = await stack.api.post('/v1/ops/markets/XRP-USDT/halt', { reason: 'maintenance' }, op);
    expect(halted.body.halted).toMatchObject({ reason: 'maintenance' });
    await sleep(1_100);
    const refused = await place(bob, { pair: 'XRP-USDT', side: 'buy', type: 'limit', price: '0.5', amount: '10' });
    expect(refused.status).toBe(503);
    expect((await stack.api.post('/v1/ops/markets/XRP-USDT/resume', {}, op)).body.halted).toBeNull();
    await sleep(1_100);
    expect((await place(bob, { pair: 'XRP-USDT', side: 'buy', type: 'limit', price: '0.5', amount: '10' })).status).toBe(201);
  });
});

describe('Idempotency-Keys of orders and triggers', () => {
  let cy: { id: string; token: string };
  let dee: { id: string; token: string };
  beforeAll(async () => {
    cy = await stack.api.signUp('idem-cy@example.com');
    dee = await stack.api.signUp('idem-dee@example.com');
    await fund(stack, cy.id, 'XRP', '100');
    await fund(stack, dee.id, 'USDT', '1000');
  });
  const triggerWithKey = (user: { token: string }, body: Record<string, unknown>, key: string) =>
    stack.api.post('/v1/triggers', body, { token: user.token, headers: { 'idempotency-key': key } });
  /** A 409 naming the key and the fields the repeat changed. */
  const expectConflict = (response: { status: number; body: any }, key: string, field: string) => {
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ code: 'idempotency_conflict', detail: expect.stringContaining(`"${key}"`) });
    expect(response.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.stringContaining(field) }]);
  };

  it("a client's key never takes a trigger's order: each trigger fires with an order of its own", async () => {
    const takeProfit = { pair: 'XRP-USDT', kind: 'take_profit', side: 'sell', trigger_price: '1.00', price: '6.00', amount: '1' };
    const same = await triggerWithKey(cy, takeProfit, 'idem-tp-same');
    const other = await triggerWithKey(cy, takeProfit, 'idem-tp-other');
    expect([same.status, other.status]).toEqual([201, 201]);
    // the key a trigger's order had, under the client's own orders: the same order, and a different one
    const sell = { pair: 'XRP-USDT', side: 'sell', type: 'limit', amount: '1' };
    const clientSame = await place(cy, { ...sell, price: '6.00' }, `trigger:${same.body.id}`);
    const clientOther = await place(cy, { ...sell, price: '7.00' }, `trigger:${other.body.id}`);
    expect([clientSame.status, clientOther.status]).toEqual([201, 201]);
    // keys under Sluice's own prefix are refused at the edge
    const reserved = await place(cy, { ...sell, price: '6.00' }, `sluice:trigger:${same.body.id}`);
    expect(reserved.status).toBe(400);
    expect(reserved.body.errors).toEqual([{ path: 'Idempotency-Key', message: expect.stringContaining('sluice:') }]);

    // a trade at 1.00 or above fires both
    await place(dee, { pair: 'XRP-USDT', side: 'buy', type: 'limit', price: '1.00', amount: '1' });
    await place(cy, { ...sell, price: '1.00' });
    for (const [trigger, client] of [
      [same, clientSame],
      [other, clientOther],
    ] as const) {
      let fired: any;
      await waitUntil(`trigger ${trigger.body.id} fired`, async () => {
        fired = (await stack.api.get(`/v1/triggers/${trigger.body.id}`, { token: cy.token })).body;
        if (fired.status !== 'fired') throw new Error(fired.status);
      });
      expect(fired.order_id).not.toBe(client.body.id);
      const order = await stack.api.get(`/v1/orders/${fired.order_id}`, { token: cy.token });
      expect(order.body).toMatchObject({ side: 'sell', price: '6.000000', amount: '1.000000', held: '1.000000' });
      expect(await stack.temporal.workflow.getHandle(`trigger:${trigger.body.id}`).result()).toMatchObject({
        status: 'fired',
        orderId: fired.order_id,
      });
      expect((await stack.api.get(`/v1/orders/${client.body.id}`, { token: cy.token })).body.status).toBe('open');
    }
    // what is held is what the four open orders hold: no trigger hold is left behind
    expect((await balance(cy, 'XRP')).pending).toBe('4.000000');
  });

  it('a repeated order key with any field changed is a 409 naming the key; a replay answers the stored order', async () => {
    const order = { pair: 'XRP-USDT', side: 'sell', type: 'limit', price: '9.00', amount: '1' };
    const first = await place(cy, order, 'idem-order');
    expect(first.status).toBe(201);
    for (const [change, field] of [
      [{ pair: 'BTC-USDT', price: '5.00', amount: '0.01' }, 'pair'],
      [{ time_in_force: 'IOC' }, 'time_in_force'],
      [{ post_only: true }, 'post_only'],
      [{ client_order_id: 'mine' }, 'client_order_id'],
      [{ price: '9.01' }, 'price'],
      [{ amount: '2' }, 'amount'],
      [{ side: 'buy' }, 'side'],
    ] as const) {
      expectConflict(await place(cy, { ...order, ...change }, 'idem-order'), 'idem-order', field);
    }
    // the defaults spelled out are the same request
    const replay = await place(cy, { ...order, time_in_force: 'GTC', post_only: false }, 'idem-order');
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    const { fills: _, ...stored } = (await stack.api.get(`/v1/orders/${first.body.id}`, { token: cy.token })).body;
    expect(replay.body).toEqual(stored);
  });

  it('the same order key sent six times at once stores one order and answers each with it; a different order under it is a 409', async () => {
    const before = Number((await balance(cy, 'XRP')).pending);
    const order = { pair: 'XRP-USDT', side: 'sell', type: 'limit', price: '9.50', amount: '1' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => place(cy, order, 'idem-order-race')));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
    for (const answer of answers) expect(answer.body).toEqual(answers[0]!.body);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(5);

    const changed = await Promise.all([
      place(cy, order, 'idem-order-race-changed'),
      place(cy, { ...order, amount: '2' }, 'idem-order-race-changed'),
    ]);
    expect(changed.map((a) => a.status).sort()).toEqual([201, 409]);
    expectConflict(
      changed.find((a) => a.status === 409)!,
      'idem-order-race-changed',
      'amount',
    );
    // one hold per key: the first order's, and the changed pair's one order
    const placed = changed.find((a) => a.status === 201)!;
    expect(Number((await balance(cy, 'XRP')).pending) - before).toBe(1 + Number(placed.body.amount));
  });

  it('a repeated trigger key with any field changed is a 409 naming the key; a replay answers the stored trigger', async () => {
    const cases = [
      [
        'idem-trigger-limit',
        { pair: 'XRP-USDT', kind: 'take_profit', side: 'sell', trigger_price: '50', price: '60', amount: '2' },
        [
          [{ amount: '50' }, 'amount'],
          [{ price: '61' }, 'price'],
          [{ trigger_price: '51' }, 'trigger_price'],
          [{ kind: 'stop_limit' }, 'kind'],
          [{ pair: 'BTC-USDT', amount: '0.01' }, 'pair'],
        ],
      ],
      [
        'idem-trigger-quote',
        { pair: 'XRP-USDT', kind: 'stop_market', side: 'buy', trigger_price: '50', quote_amount: '10' },
        [[{ quote_amount: '11' }, 'quote_amount']],
      ],
      [
        'idem-trigger-oco',
        {
          pair: 'XRP-USDT',
          kind: 'oco',
          side: 'sell',
          trigger_price: '50',
          stop_price: '0.30',
          stop_limit_price: '0.25',
          amount: '1',
        },
        [
          [{ stop_limit_price: '0.26' }, 'stop_limit_price'],
          [{ stop_price: '0.31' }, 'stop_price'],
        ],
      ],
    ] as const;
    for (const [key, body, changes] of cases) {
      const user = body.side === 'buy' ? dee : cy;
      const first = await triggerWithKey(user, body, key);
      expect(first.status).toBe(201);
      for (const [change, field] of changes) expectConflict(await triggerWithKey(user, { ...body, ...change }, key), key, field);
      const replay = await triggerWithKey(user, body, key);
      expect(replay.status).toBe(201);
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual((await stack.api.get(`/v1/triggers/${first.body.id}`, { token: user.token })).body);
    }
  });

  it('the same trigger key sent six times at once stores one trigger and replays it five times', async () => {
    const before = (await balance(cy, 'XRP')).pending;
    const body = { pair: 'XRP-USDT', kind: 'take_profit', side: 'sell', trigger_price: '70', price: '70', amount: '3' };
    const answers = await Promise.all(Array.from({ length: 6 }, () => triggerWithKey(cy, body, 'idem-trigger-race')));
    expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201, 201]);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === 'true')).toHaveLength(5);
    expect(Number((await balance(cy, 'XRP')).pending) - Number(before)).toBe(3);
  });
});
