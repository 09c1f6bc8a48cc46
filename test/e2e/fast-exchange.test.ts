/**
 * Rates and fast exchange on the real stack over HTTP: a pair priced from the Binance double through ccxt (refreshed
 * by the rates workflow), quotes in both directions checked to the minor unit, accepting (and replaying), an expired
 * quote, every refusal (funds, inventory, limits, a disabled pair, a stale rate), the switches and limits checked again
 * at accept, one quote per Idempotency-Key, and every bad input.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../platform/embedded/process.js';
import { startBinanceDouble, type BinanceDouble } from '../support/binance-double.js';
import { fund, startStack, type Stack } from '../support/stack.js';

let stack: Stack;
let binance: BinanceDouble;
let ann: { id: string; token: string };
let bob: { id: string; token: string };
const admin = () => ({ token: stack.admin.token });

beforeAll(async () => {
  binance = await startBinanceDouble();
  binance.setTop('BTCUSDT', { bid: '90000.00000000', ask: '90000.02000000' });
  // the schedule's own runs would race the test's refreshes: it refreshes on demand instead
  stack = await startStack({ env: { RATES_EXCHANGE_URLS: `binance=${binance.url}`, RATES_REFRESH_INTERVAL: '1h' } });
  ann = await stack.api.signUp('ann@example.com');
  bob = await stack.api.signUp('bob@example.com');
  await fund(stack, ann.id, 'BTC', '1.00000000');
  await fund(stack, ann.id, 'USDT', '1000.000000');
});
afterAll(async () => {
  await stack?.stop();
  await binance?.close();
});

let keys = 0;
const quote = (user: { token: string }, body: Record<string, unknown>) => stack.api.post('/v1/exchange/quotes', body, user);
const accept = (user: { token: string }, id: string, key = `accept-${++keys}`) =>
  stack.api.post(`/v1/exchange/quotes/${id}/accept`, undefined, { ...user, headers: { 'idempotency-key': key } });
const balance = async (user: { token: string }, currency: string) =>
  (await stack.api.get('/v1/balances', user)).body.data.find((b: { currency: string }) => b.currency === currency)?.available ??
  null;
const inventory = async () =>
  Object.fromEntries(
    (await stack.api.get('/v1/ops/exchange/inventory', admin())).body.data.map((r: { currency: string; balance: string }) => [
      r.currency,
      r.balance,
    ]),
  );
const problem = async (response: Promise<{ status: number; body: any }>) => {
  const r = await response;
  return {
    status: r.status,
    code: r.body.code,
    fields: (r.body.errors ?? []).map((e: { path: string }) => e.path),
    detail: r.body.detail,
  };
};
const fundInventory = (currency: string, amount: string) =>
  stack.api.post(
    '/v1/ops/exchange/inventory',
    { currency, amount },
    { ...admin(), headers: { 'idempotency-key': `inv-${++keys}` } },
  );

describe('rates', () => {
  it('lists pairs and their seeded rates; prices a pair from the exchange double through ccxt', async () => {
    const spec = (await stack.api.get('/openapi.json')).body;
    expect(Object.keys(spec.paths)).toEqual(
      expect.arrayContaining([
        '/v1/pairs',
        '/v1/exchange-rates',
        '/v1/exchange-rates/history',
        '/v1/exchange/quotes',
        '/v1/exchange/quotes/{id}/accept',
        '/v1/ops/pairs/{pair}/rate-source',
        '/v1/ops/pairs/{pair}/fast-exchange',
        '/v1/ops/exchange/inventory',
      ]),
    );
    const pairs = (await stack.api.get('/v1/pairs')).body.data;
    expect(pairs.find((p: { code: string }) => p.code === 'USD-UAH')).toMatchObject({ spot: false, rate_source: 'static' });
    expect(pairs.find((p: { code: string }) => p.code === 'BTC-USDT')).toMatchObject({
      spot: true,
      enabled: true,
      fast_exchange: { enabled: true, fee_percent: '0.2', quote_ttl_seconds: 30 },
    });
    const seeded = (await stack.api.get('/v1/exchange-rates')).body.data;
    expect(seeded.find((r: { pair: string }) => r.pair === 'USDT-UAH')).toMatchObject({
      rate: '41.5',
      source: 'formula',
      spread_percent: '0.5',
      stale: false,
    });

    const set = await stack.api.put(
      '/v1/ops/pairs/BTC-USDT/rate-source',
      { kind: 'external', exchange: 'binance', symbol: 'BTC/USDT', spread_percent: '0.2', max_age_seconds: 5 },
      admin(),
    );
    expect(set.status).toBe(200);
    const refreshed = await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, admin());
    expect(refreshed.body).toMatchObject({ failed: [] });
    expect(refreshed.body.recorded).toContain('BTC-USDT');
    expect(binance.requests).toContain('/api/v3/exchangeInfo');

    const btc = (await stack.api.get('/v1/exchange-rates')).body.data.find((r: { pair: string }) => r.pair === 'BTC-USDT');
    expect(btc).toMatchObject({ rate: '90000.01', bid: '89820.00998', ask: '90180.01002', source: 'external', stale: false });
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const history = await stack.api.get(
      `/v1/exchange-rates/history?pair=BTC-USDT&from=${from}&to=${new Date(Date.now() + 60_000).toISOString()}&interval=1m`,
    );
    expect(history.status).toBe(200);
    expect(history.body.data.at(-1)).toMatchObject({ rate: '90000.01', source: 'external' });
    expect(history.body).toMatchObject({ pair: 'BTC-USDT', interval: '1m' });

    expect(
      await problem(stack.api.get(`/v1/exchange-rates/history?pair=DOGE-USDT&from=${from}&to=${new Date().toISOString()}`)),
    ).toMatchObject({ status: 400, code: 'unknown_pair' });
    expect(
      await problem(stack.api.get(`/v1/exchange-rates/history?pair=BTC-USDT&from=${new Date().toISOString()}&to=${from}`)),
    ).toMatchObject({ status: 400, fields: ['to'] });
    expect(
      await problem(
        stack.api.put('/v1/ops/pairs/USDT-UAH/rate-source', { kind: 'formula', legs: [{ pair: 'USD-UAH' }] }, admin()),
      ),
    ).toMatchObject({ status: 400, fields: ['legs'] });
    expect(
      await problem(
        stack.api.put(
          '/v1/ops/pairs/BTC-USDT/rate-source',
          { kind: 'external', exchange: 'nosuchexchange', symbol: 'BTC/USDT' },
          admin(),
        ),
      ),
    ).toMatchObject({ status: 400, fields: ['exchange'] });
  });
});

describe('fast exchange', () => {
  it('quotes, accepts once and replays the same swap; inventory and fees move to the minor unit', async () => {
    expect((await fundInventory('USDT', '5000')).status).toBe(201);
    expect((await fundInventory('XRP', '1000')).status).toBe(201);
    await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, admin());

    // selling 0.01 BTC at the 89,820.00998 bid: fee 0.00002 BTC, 0.00998 × 89,820.00998 = 896.4036996…, rounded down
    const sell = await quote(ann, { from: 'BTC', to: 'USDT', amount_in: '0.01' });
    expect(sell.status).toBe(201);
    expect(sell.body).toMatchObject({
      pair: 'BTC-USDT',
      amount_in: '0.01000000',
      fee: '0.00002000',
      amount_out: '896.403699',
      rate: '89820.00998',
      status: 'open',
    });
    expect(new Date(sell.body.expires_at).getTime() - new Date(sell.body.created_at).getTime()).toBe(30_000);

    const accepted = await accept(ann, sell.body.id, 'swap-1');
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ status: 'accepted', amount_out: '896.403699' });
    expect(await balance(ann, 'BTC')).toBe('0.99000000');
    expect(await balance(ann, 'USDT')).toBe('1896.403699');
    expect(await inventory()).toMatchObject({ BTC: '0.00998000', USDT: '4103.596301' });

    const replay = await accept(ann, sell.body.id, 'swap-1');
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(accepted.body);
    // another key for the same quote is the same swap, never a second one
    expect((await accept(ann, sell.body.id, 'swap-1-again')).body).toEqual(accepted.body);
    expect(await balance(ann, 'USDT')).toBe('1896.403699');
    expect((await stack.api.get(`/v1/exchange/quotes/${sell.body.id}`, ann)).body).toMatchObject({ status: 'accepted' });

    // buying exactly 100 XRP at the 2.2044 ask: 220.44 USDT net, the least amount_in leaving that after its fee
    const buy = await quote(ann, { from: 'USDT', to: 'XRP', amount_out: '100' });
    expect(buy.body).toMatchObject({ pair: 'XRP-USDT', amount_in: '220.881764', fee: '0.441764', amount_out: '100.000000' });
    expect((await accept(ann, buy.body.id)).status).toBe(200);
    expect(await balance(ann, 'XRP')).toBe('100.000000');
    expect(await balance(ann, 'USDT')).toBe('1675.521935');
  });

  it('refuses an expired quote with 409 quote_expired, and answers a replay after expiry with the swap made', async () => {
    const short = {
      enabled: true,
      fee_percent: '0.2',
      quote_ttl_seconds: 1,
      min_amount: '0.000001',
      max_amount: null,
      daily_limit: null,
    };
    expect((await stack.api.put('/v1/ops/pairs/XRP-USDT/fast-exchange', short, admin())).status).toBe(200);
    const taken = await quote(ann, { from: 'USDT', to: 'XRP', amount_in: '10' });
    const left = await quote(ann, { from: 'USDT', to: 'XRP', amount_in: '10' });
    expect(new Date(left.body.expires_at).getTime() - new Date(left.body.created_at).getTime()).toBe(1_000);
    const first = await accept(ann, taken.body.id, 'in-time');
    expect(first.status).toBe(200);
    await sleep(1_200);
    const usdt = await balance(ann, 'USDT');
    expect(await problem(accept(ann, left.body.id))).toMatchObject({ status: 409, code: 'quote_expired' });
    expect(await balance(ann, 'USDT')).toBe(usdt);
    expect((await stack.api.get(`/v1/exchange/quotes/${left.body.id}`, ann)).body.status).toBe('expired');
    expect((await accept(ann, taken.body.id, 'in-time')).body).toEqual(first.body);
    expect(
      (await stack.api.put('/v1/ops/pairs/XRP-USDT/fast-exchange', { ...short, quote_ttl_seconds: 30 }, admin())).status,
    ).toBe(200);
  });

  it('refuses what the user or the inventory cannot cover, limits and a disabled pair, leaving balances as they were', async () => {
    const poor = await quote(bob, { from: 'BTC', to: 'USDT', amount_in: '0.001' });
    expect(await problem(accept(bob, poor.body.id))).toMatchObject({ status: 422, code: 'insufficient_funds' });

    // the inventory holds no ETH: a swap into ETH is refused whole
    await fund(stack, bob.id, 'USDT', '100');
    const eth = await quote(bob, { from: 'USDT', to: 'ETH', amount_in: '50' });
    expect(eth.status).toBe(201);
    const before = await inventory();
    expect(await problem(accept(bob, eth.body.id))).toMatchObject({ status: 422, code: 'inventory_insufficient' });
    expect(await balance(bob, 'USDT')).toBe('100.000000');
    const after = await inventory();
    expect(after).toMatchObject(before);
    expect(after.ETH ?? '0.000000000000000000').toBe('0.000000000000000000'); // the refused group's account may exist, empty

    // per swap and per day, in the base currency (XRP), whichever way the swap goes
    const limits = {
      enabled: true,
      fee_percent: '0.2',
      quote_ttl_seconds: 30,
      min_amount: '1',
      max_amount: '20',
      daily_limit: '25',
    };
    expect((await stack.api.put('/v1/ops/pairs/XRP-USDT/fast-exchange', limits, admin())).status).toBe(200);
    expect(await problem(quote(bob, { from: 'USDT', to: 'XRP', amount_out: '0.5' }))).toMatchObject({
      status: 422,
      code: 'amount_below_minimum',
      fields: ['amount_out'],
    });
    expect(await problem(quote(bob, { from: 'USDT', to: 'XRP', amount_out: '21' }))).toMatchObject({
      status: 422,
      code: 'amount_above_maximum',
    });
    expect((await accept(bob, (await quote(bob, { from: 'USDT', to: 'XRP', amount_out: '20' })).body.id)).status).toBe(200);
    const over = await quote(bob, { from: 'USDT', to: 'XRP', amount_out: '10' });
    expect(await problem(accept(bob, over.body.id))).toMatchObject({ status: 422, code: 'daily_limit_exceeded' });
    // a user of the operators' choosing has their own terms (the settings resolver's user layer)
    expect(
      (
        await stack.api.put(
          `/v1/ops/settings/fast-exchange/XRP-USDT/user/${bob.id}`,
          { values: { daily_limit: null, fee_percent: '0' } },
          admin(),
        )
      ).status,
    ).toBe(200);
    const own = await quote(bob, { from: 'USDT', to: 'XRP', amount_out: '10' });
    expect(own.body.fee).toBe('0.000000');
    expect((await accept(bob, own.body.id)).status).toBe(200);
    expect((await quote(ann, { from: 'USDT', to: 'XRP', amount_out: '10' })).body.fee).not.toBe('0.000000');

    expect((await stack.api.patch('/v1/ops/pairs/XRP-USDT', { enabled: false }, admin())).status).toBe(200);
    expect(await problem(quote(bob, { from: 'USDT', to: 'XRP', amount_in: '1' }))).toMatchObject({
      status: 422,
      code: 'pair_disabled',
    });
    expect((await stack.api.patch('/v1/ops/pairs/XRP-USDT', { enabled: true }, admin())).status).toBe(200);
  });

  it("checks the pair's and the user's switches and per-swap limits again at accept, at the quoted price", async () => {
    // XRP-USDT's terms from the test above: 1 to 20 XRP a swap, 25 a day
    const cid = await stack.api.signUp('cid@example.com');
    await fund(stack, cid.id, 'USDT', '100');
    const userTerms = (values: Record<string, unknown>) =>
      stack.api.put(`/v1/ops/settings/fast-exchange/XRP-USDT/user/${cid.id}`, { values }, admin());

    const early = await quote(cid, { from: 'USDT', to: 'XRP', amount_out: '5' });
    expect((await stack.api.patch('/v1/ops/pairs/XRP-USDT', { enabled: false }, admin())).status).toBe(200);
    expect(await problem(accept(cid, early.body.id, 'early'))).toMatchObject({ status: 422, code: 'pair_disabled' });
    expect(await balance(cid, 'USDT')).toBe('100.000000');
    expect((await stack.api.patch('/v1/ops/pairs/XRP-USDT', { enabled: true }, admin())).status).toBe(200);
    const swapped = await accept(cid, early.body.id, 'early');
    expect(swapped.status).toBe(200);
    // a swap made before the switch is answered as it was
    expect((await userTerms({ enabled: false })).status).toBe(200);
    const replay = await accept(cid, early.body.id, 'early');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(swapped.body);

    // the user's own switch, then limits moved past an open quote
    const withoutOwnTerms = () => stack.api.delete(`/v1/ops/settings/fast-exchange/XRP-USDT/user/${cid.id}`, admin());
    expect((await withoutOwnTerms()).status).toBe(204);
    const mine = await quote(cid, { from: 'USDT', to: 'XRP', amount_out: '15' });
    expect(mine.status).toBe(201);
    expect((await userTerms({ enabled: false })).status).toBe(200);
    expect(await problem(accept(cid, mine.body.id))).toMatchObject({ status: 422, code: 'pair_disabled' });
    expect((await userTerms({ max_amount: '10' })).status).toBe(200);
    expect(await problem(accept(cid, mine.body.id))).toMatchObject({
      status: 422,
      code: 'amount_above_maximum',
      fields: ['amount_out'],
    });
    expect((await userTerms({ min_amount: '16' })).status).toBe(200);
    expect(await problem(accept(cid, mine.body.id))).toMatchObject({ status: 422, code: 'amount_below_minimum' });
    const usdt = await balance(cid, 'USDT');
    // a fee changed since is not the quote's: it settles at what it locked
    expect((await userTerms({ fee_percent: '1' })).status).toBe(200);
    const accepted = await accept(cid, mine.body.id);
    expect(accepted.status).toBe(200);
    expect(accepted.body).toMatchObject({ fee: mine.body.fee, amount_in: mine.body.amount_in, amount_out: '15.000000' });
    expect(await balance(cid, 'USDT')).toBe((Number(usdt) - Number(mine.body.amount_in)).toFixed(6));
    expect((await withoutOwnTerms()).status).toBe(204);
  });

  it('settles one quote per Idempotency-Key: the key on another quote is a 409, even at the same moment', async () => {
    const dee = await stack.api.signUp('dee@example.com');
    await fund(stack, dee.id, 'USDT', '100');
    const one = async () => (await quote(dee, { from: 'USDT', to: 'XRP', amount_out: '1' })).body.id as string;
    const [a, b] = [await one(), await one()];
    const first = await accept(dee, a, 'dee-1');
    expect(first.status).toBe(200);
    expect(await problem(accept(dee, b, 'dee-1'))).toMatchObject({ status: 409, code: 'idempotency_conflict' });
    expect(await balance(dee, 'XRP')).toBe('1.000000');
    const replay = await accept(dee, a, 'dee-1');
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect((await accept(dee, b, 'dee-2')).status).toBe(200); // the refused accept left the quote open

    const [c, d] = [await one(), await one()];
    const raced = await Promise.all([accept(dee, c, 'dee-3'), accept(dee, d, 'dee-3')]);
    expect(raced.map((r) => r.status).sort()).toEqual([200, 409]);
    expect(await balance(dee, 'XRP')).toBe('3.000000');
  });

  it("tells a merchant's webhook endpoint of its swap (exchange.completed), once", async () => {
    const received: any[] = [];
    const merchantServer = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ signature: req.headers['sluice-signature'], event: JSON.parse(body) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => merchantServer.listen(0, '127.0.0.1', resolve));
    try {
      const shop = await stack.api.signUp('shop@example.com');
      expect((await stack.api.put(`/v1/ops/users/${shop.id}/role`, { role: 'merchant' }, admin())).status).toBe(200);
      const url = `http://127.0.0.1:${(merchantServer.address() as AddressInfo).port}/hooks`;
      expect((await stack.api.post('/v1/webhooks/endpoints', { url, event_types: ['exchange.completed'] }, shop)).status).toBe(
        201,
      );
      await fund(stack, shop.id, 'USDT', '100');
      const swap = await quote(shop, { from: 'USDT', to: 'XRP', amount_in: '22.044' });
      expect((await accept(shop, swap.body.id, 'shop-swap')).status).toBe(200);
      expect((await accept(shop, swap.body.id, 'shop-swap')).headers.get('idempotent-replayed')).toBe('true');
      await waitUntil('the exchange.completed webhook', async () => {
        if (received.length === 0) throw new Error('nothing received yet');
      });
      await sleep(500);
      expect(received).toHaveLength(1);
      expect(received[0].signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      expect(received[0].event).toMatchObject({
        id: `exchange:${swap.body.id}:completed`,
        type: 'exchange.completed',
        data: {
          quote_id: swap.body.id,
          from_currency: 'USDT',
          to_currency: 'XRP',
          amount_in: '22.044000',
          fee: swap.body.fee,
          amount_out: swap.body.amount_out,
          rate: swap.body.rate,
        },
      });
    } finally {
      merchantServer.close();
    }
  });

  it('gives a clear 4xx for bad input, and a 503 naming the pair while its rate is stale', async () => {
    await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, admin()); // BTC-USDT may have aged past its 5 s
    expect(await problem(quote(ann, { from: 'DOGE', to: 'USDT', amount_in: '1' }))).toMatchObject({
      status: 400,
      code: 'unknown_currency',
      fields: ['from'],
    });
    expect(await problem(quote(ann, { from: 'UAH', to: 'BTC', amount_in: '1' }))).toMatchObject({
      status: 400,
      code: 'unknown_pair',
      fields: ['to'],
    });
    expect(await problem(quote(ann, { from: 'BTC', to: 'USDT', amount_in: '0.000000001' }))).toMatchObject({
      status: 400,
      fields: ['amount_in'],
    });
    expect(await problem(quote(ann, { from: 'BTC', to: 'USDT', amount_out: '1.0000001' }))).toMatchObject({
      status: 400,
      fields: ['amount_out'],
    });
    expect(await problem(quote(ann, { from: 'BTC', to: 'USDT', amount_in: '1', amount_out: '1' }))).toMatchObject({
      status: 400,
      fields: ['amount_in'],
    });
    expect(await problem(quote(ann, { from: 'BTC', to: 'BTC', amount_in: '1' }))).toMatchObject({ status: 400, fields: ['to'] });
    expect(await problem(quote(ann, { from: 'BTC', to: 'USDT', amount_in: '0.00000001' }))).toMatchObject({
      status: 422,
      code: 'amount_below_minimum',
    });
    const mine = await quote(ann, { from: 'BTC', to: 'USDT', amount_in: '0.001' });
    expect((await stack.api.get(`/v1/exchange/quotes/${mine.body.id}`, bob)).status).toBe(404);
    expect((await accept(bob, mine.body.id)).status).toBe(404);
    expect((await accept(ann, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(await problem(stack.api.post(`/v1/exchange/quotes/${mine.body.id}/accept`, undefined, ann))).toMatchObject({
      status: 400,
      fields: ['Idempotency-Key'],
    });
    expect((await stack.api.post('/v1/exchange/quotes', { from: 'BTC', to: 'USDT', amount_in: '1' })).status).toBe(401);

    binance.setDown(true);
    const refresh = await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, admin());
    expect(refresh.body.failed).toEqual([{ pair: 'BTC-USDT', error: expect.stringContaining('ExchangeNotAvailable') }]);
    await sleep(5_500); // past the pair's 5 s maximum age
    const stale = await problem(quote(ann, { from: 'USDT', to: 'BTC', amount_in: '10' }));
    expect(stale).toMatchObject({ status: 503, code: 'rate_unavailable' });
    expect(stale.detail).toContain('BTC-USDT');
    expect((await stack.api.get('/v1/exchange-rates')).body.data.find((r: { pair: string }) => r.pair === 'BTC-USDT').stale).toBe(
      true,
    );
    expect((await quote(ann, { from: 'USDT', to: 'XRP', amount_in: '10' })).status).toBe(201); // other pairs still quote
    binance.setDown(false);
    await stack.api.post('/v1/ops/exchange-rates/refresh', undefined, admin());
    expect((await quote(ann, { from: 'USDT', to: 'BTC', amount_in: '10' })).status).toBe(201);
  });
});
