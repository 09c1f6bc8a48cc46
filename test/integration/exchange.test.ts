/** The exchange on a real PostgreSQL: holds, journal, matching, group-committed settlement, recovery, leadership. */
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors.js';
import { formatAmount } from '../../domain/money.js';
import { ORDER_ESCROW, feeAccount } from '../../domain/exchange/settlement.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { Markets } from '../../services/exchange/markets.js';
import { ExchangeService, type PlaceOrder } from '../../services/exchange/service.js';
import { orderById, tradesOfOrder } from '../../services/exchange/orders-store.js';
import { setPairEnabled } from '../../services/exchange/pairs-store.js';
import { cancelTrigger, insertTrigger } from '../../services/exchange/triggers-store.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { settledElsewhere } from '../../services/exchange/journal.js';
import { RemoteBarrier } from '../../services/exchange/remote-barrier.js';
import { auditMarket, checkpointMarket, setMarketHalted } from '../../services/exchange/checkpoint.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { notificationsFor } from '../../services/notifications/store.js';
import { orderCallback } from '../../services/orders/client.js';
import { pgErrorCode } from '../../platform/db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fundedUser as fundUser } from '../support/funded-user.js';
import { expectRendersItsTemplates } from '../support/notification-templates.js';

const log = pino({ level: 'silent' });
let db: TestDatabase;
let markets: Markets;
let exchange: ExchangeService;

async function startMarkets() {
  markets = new Markets(db.sql, db.url, log, undefined, { snapshotEvery: 7 }); // engine snapshots every 7 commands
  markets.start([await exchange.pair('BTC-USDT')]);
  await markets.ready('BTC-USDT');
  exchange = new ExchangeService(db.sql, markets);
}

beforeAll(async () => {
  db = await createTestDatabase();
  exchange = new ExchangeService(db.sql, new Markets(db.sql, db.url, log));
  await startMarkets();
});
afterAll(async () => {
  await markets.close();
  await db.drop();
});

function fundedUser(funds: Record<string, bigint>): Promise<string> {
  return fundUser(db.sql, 'trader', funds);
}

/** Read behind the exchange's read barrier, as the API reads: orders are answered before they settle. */
const balance = async (userId: string, currency: string) => {
  await exchange.settledFor(userId);
  return balanceView(await balanceOf(db.sql, userAccountName(userId), currency));
};
let keys = 0;
const order = (userId: string, o: Partial<PlaceOrder>): PlaceOrder => ({
  userId,
  pair: 'BTC-USDT',
  side: 'buy',
  type: 'limit',
  price: null,
  amount: null,
  quoteAmount: null,
  timeInForce: 'GTC',
  postOnly: false,
  clientOrderId: null,
  idempotencyKey: `k${++keys}`,
  ...o,
});
const BTC = 100_000_000n;
const USDT = 1_000_000n;

// first, on an empty book: its maker is the best ask, and its market buy finds nothing left to buy
describe('order callbacks', () => {
  it('tells a callback given with the order every state the order reached, in order, however fast it ended', async () => {
    const callback = (userId: string) => orderCallback({ key: Buffer.alloc(32, 7) }, userId, 'https://merchant.example/cb');
    const seller = await fundedUser({ BTC: BTC });
    const buyer = await fundedUser({ USDT: 1_000n * USDT });
    const told = async (id: string) => {
      const rows = await db.sql`
        select ev.id from webhook_deliveries d join webhook_events ev on ev.id = d.event_id
        where ev.id like ${`order:ord_${id}:%`} order by d.position`;
      return rows.map((r) => (r.id as string).split(':')[2]);
    };
    const ask = await exchange.place(
      order(seller, { side: 'sell', price: 45_000n * USDT, amount: BTC / 500n, callback: callback(seller) }),
    );
    // filled as it is placed, and a market buy that finds no seller left: both end before their answer
    const bid = await exchange.place(
      order(buyer, { price: 45_000n * USDT, amount: BTC / 500n, timeInForce: 'IOC', callback: callback(buyer) }),
    );
    expect(bid.order.status).toBe('filled');
    const market = await exchange.place(
      order(buyer, { type: 'market', quoteAmount: 10n * USDT, timeInForce: 'IOC', callback: callback(buyer) }),
    );
    expect(market.order.status).toBe('cancelled');
    await Promise.all([exchange.settledFor(seller), exchange.settledFor(buyer)]);
    expect(await told(ask.order.id)).toEqual(['new', 'open', 'filled']);
    expect(await told(bid.order.id)).toEqual(['new', 'filled']);
    expect(await told(market.order.id)).toEqual(['new', 'cancelled']);
  });
});

describe('placing and matching orders', () => {
  it('holds funds, matches, and settles both sides with fees', async () => {
    const seller = await fundedUser({ BTC: 1n * BTC });
    const buyer = await fundedUser({ USDT: 100_000n * USDT });
    const ask = await exchange.place(order(seller, { side: 'sell', price: 50_000n * USDT, amount: BTC / 10n }));
    expect(ask.order).toMatchObject({ status: 'open', held: BTC / 10n });
    expect(await balance(seller, 'BTC')).toEqual({ posted: BTC, pending: BTC / 10n, available: (BTC * 9n) / 10n });

    const bid = await exchange.place(order(buyer, { side: 'buy', price: 51_000n * USDT, amount: BTC / 20n }));
    expect(bid.order).toMatchObject({ status: 'filled', filledAmount: BTC / 20n, filledQuote: 2_500n * USDT, held: 0n });
    // the buyer took liquidity: 0.2% of 0.05 BTC; the seller made it: 0.1% of 2,500 USDT
    expect(bid.order.fee).toBe(10_000n);
    expect(await balance(buyer, 'USDT')).toEqual({ posted: 97_500n * USDT, pending: 0n, available: 97_500n * USDT });
    expect(await balance(buyer, 'BTC')).toMatchObject({ posted: BTC / 20n - 10_000n });
    expect(await balance(seller, 'USDT')).toMatchObject({ posted: 2_500n * USDT - 2_500_000n });
    expect(await balance(seller, 'BTC')).toEqual({ posted: BTC - BTC / 20n, pending: BTC / 20n, available: (BTC * 9n) / 10n });
    expect(await orderById(db.sql, ask.order.id)).toMatchObject({ status: 'open', filledAmount: BTC / 20n, held: BTC / 20n });
    const trades = await tradesOfOrder(db.sql, bid.order.id);
    expect(trades).toHaveLength(1);
    expect(trades[0]).toMatchObject({ price: 50_000n * USDT, amount: BTC / 20n, buyerFee: 10_000n, sellerFee: 2_500_000n });
    expect((await balanceOf(db.sql, feeAccount('USDT'), 'USDT')).creditsPosted).toBeGreaterThanOrEqual(2_500_000n);
    // the filled order's owner is told, once, in the settlement's transaction; the partly filled one is not yet
    const filled = await notificationsFor(db.sql, buyer, { limit: 10, kind: 'order_filled' });
    expect(filled).toMatchObject([
      {
        key: `order:${bid.order.id}:filled`,
        title: `Your buy order on BTC-USDT was filled`,
        body: { order_id: String(bid.order.id), pair: 'BTC-USDT', side: 'buy', quantity: '0.05', price: '50000' },
      },
    ]);
    await expectRendersItsTemplates(db.sql, filled[0]!);
    expect(await notificationsFor(db.sql, seller, { limit: 10, kind: 'order_filled' })).toEqual([]);
  });

  it('answers a placed order before settling it: readers of both sides wait at the barrier, then read the answer', async () => {
    const seller = await fundedUser({ BTC: 1n * BTC });
    const buyer = await fundedUser({ USDT: 100_000n * USDT });
    const ask = await exchange.place(order(seller, { side: 'sell', price: 40_000n * USDT, amount: BTC / 10n }));
    const bid = await exchange.place(order(buyer, { side: 'buy', price: 40_000n * USDT, amount: BTC / 10n }));
    expect(bid.order).toMatchObject({ status: 'filled', filledAmount: BTC / 10n, held: 0n });
    // settling takes the next batch's transaction: nothing has settled between the answer and this line
    const market = await markets.ready('BTC-USDT');
    const sellerWaits = market.settledFor(seller);
    expect(sellerWaits).toBeInstanceOf(Promise);
    expect(market.settledFor(buyer)).toBeInstanceOf(Promise);
    expect(market.settledFor(await fundedUser({}))).toBeUndefined();
    await sellerWaits;
    expect(market.settledFor(seller)).toBeUndefined();
    expect(await orderById(db.sql, bid.order.id)).toEqual(bid.order);
    expect(await orderById(db.sql, ask.order.id)).toMatchObject({ status: 'filled', held: 0n });

    // a process that does not run the pair reads behind the journal and the settled sequence number
    const elsewhere = new ExchangeService(db.sql, new Markets(db.sql, db.url, log));
    await exchange.place(order(seller, { side: 'sell', price: 40_000n * USDT, amount: BTC / 10n }));
    await exchange.place(order(buyer, { side: 'buy', price: 40_000n * USDT, amount: BTC / 10n }));
    await elsewhere.settledFor(buyer);
    const [row] =
      await db.sql`select settled_seq, (select max(last_seq) from exchange_journal where pair = 'BTC-USDT') as journaled
      from exchange_markets where pair = 'BTC-USDT'`;
    expect(Number(row!.settledSeq)).toBe(Number(row!.journaled));
    // an engine that stopped settling: the barrier gives up rather than read a state it cannot vouch for
    await db.sql`update exchange_markets set settled_seq = settled_seq - 1 where pair = 'BTC-USDT'`;
    expect(await settledElsewhere(db.sql, ['BTC-USDT'], 50)).toBe(false);
    await db.sql`update exchange_markets set settled_seq = settled_seq + 1 where pair = 'BTC-USDT'`;
    expect(await settledElsewhere(db.sql, ['BTC-USDT'], 50)).toBe(true);
    // callers arriving before a check starts share it; one arriving after waits for a check of its own
    const barrier = new RemoteBarrier(db.sql);
    const first = barrier.settled(['BTC-USDT']);
    expect(barrier.settled(['BTC-USDT'])).toBe(first);
    expect(await first).toBe(true);
    expect(barrier.settled(['BTC-USDT'])).not.toBe(first);
  });

  it('answers a repeated Idempotency-Key with the first order, and a different body with a conflict', async () => {
    const buyer = await fundedUser({ USDT: 1_000n * USDT });
    const request = order(buyer, { price: 10n * USDT, amount: BTC / 100n });
    const first = await exchange.place(request);
    const again = await exchange.place(request);
    expect(again).toEqual({ order: first.order, replayed: true });
    await expect(exchange.place({ ...request, price: 11n * USDT })).rejects.toMatchObject({
      code: ErrorCode.IdempotencyConflict,
    });
    expect(await balance(buyer, 'USDT')).toMatchObject({ pending: USDT / 10n });
  });

  it('answers the same order sent twice at once (one batch) with one order, and a different one under its key with a conflict', async () => {
    const buyer = await fundedUser({ USDT: 1_000n * USDT });
    const request = order(buyer, { price: 10n * USDT, amount: BTC / 100n });
    const [first, again] = await Promise.all([exchange.place(request), exchange.place(request)]);
    expect(first.replayed).toBe(false);
    expect(again).toEqual({ order: first.order, replayed: true });

    const other = order(buyer, { price: 10n * USDT, amount: BTC / 100n });
    const [placed, changed] = await Promise.allSettled([
      exchange.place(other),
      exchange.place({ ...other, price: 11n * USDT, clientOrderId: 'mine' }),
    ]);
    expect(placed.status).toBe('fulfilled');
    expect(changed).toMatchObject({
      status: 'rejected',
      reason: {
        code: ErrorCode.IdempotencyConflict,
        issues: [{ path: 'Idempotency-Key', message: expect.stringContaining('price, client_order_id differ') }],
      },
    });
    // one order and one hold per key
    const [stored] = await db.sql`select count(*)::int as n from orders where user_id = ${buyer}`;
    expect(stored!.n).toBe(2);
    expect(await balance(buyer, 'USDT')).toMatchObject({ pending: (USDT / 10n) * 2n });
  });

  it('names quote_amount, the field it holds, when a market buy by quote amount cannot be funded', async () => {
    const poor = await fundedUser({ USDT: 10n * USDT });
    const request = order(poor, { type: 'market', timeInForce: 'IOC', quoteAmount: 11n * USDT });
    await expect(exchange.place(request)).rejects.toMatchObject({
      code: ErrorCode.InsufficientFunds,
      issues: [{ path: 'quote_amount', message: 'is more than your available balance' }],
    });
  });

  it('refuses an order it cannot fund with 422 semantics, holds nothing, and tells the user', async () => {
    const poor = await fundedUser({ USDT: 10n * USDT });
    const request = order(poor, { price: 1_000n * USDT, amount: BTC / 10n });
    await expect(exchange.place(request)).rejects.toMatchObject({ code: ErrorCode.InsufficientFunds });
    expect(await balance(poor, 'USDT')).toEqual({ posted: 10n * USDT, pending: 0n, available: 10n * USDT });
    const notes = await notificationsFor(db.sql, poor, { limit: 10 });
    // what it needed, for people: 1,000 USDT × 0.1 BTC
    expect(notes).toContainEqual(
      expect.objectContaining({
        kind: 'order_refused',
        severity: 'warning',
        body: { pair: 'BTC-USDT', side: 'buy', currency: 'USDT', needed: '100' },
      }),
    );
    await expectRendersItsTemplates(
      db.sql,
      notes.find((n) => n.kind === 'order_refused')!,
    );
  });

  it('cancels the rest of an open order and releases its hold; a filled or foreign order cannot be cancelled', async () => {
    const seller = await fundedUser({ BTC: BTC });
    const buyer = await fundedUser({ USDT: 10_000n * USDT });
    const ask = await exchange.place(order(seller, { side: 'sell', price: 60_000n * USDT, amount: BTC / 100n }));
    await expect(exchange.cancel(buyer, ask.order.id)).rejects.toMatchObject({ code: ErrorCode.NotFound });
    const cancelled = await exchange.cancel(seller, ask.order.id);
    expect(cancelled).toMatchObject({ status: 'cancelled', reason: 'cancelled', held: 0n });
    expect(await balance(seller, 'BTC')).toEqual({ posted: BTC, pending: 0n, available: BTC });
    await expect(exchange.cancel(seller, ask.order.id)).rejects.toMatchObject({ code: ErrorCode.OrderNotOpen });

    const maker = await exchange.place(order(seller, { side: 'sell', price: 40_000n * USDT, amount: BTC / 1_000n }));
    await exchange.place(order(buyer, { price: 40_000n * USDT, amount: BTC / 1_000n, timeInForce: 'IOC' }));
    await expect(exchange.cancel(seller, maker.order.id)).rejects.toMatchObject({ code: ErrorCode.OrderNotOpen });
  });

  it('refuses bad input: off tick, off lot, unknown pair, disabled pair', async () => {
    const user = await fundedUser({ USDT: 1_000n * USDT });
    await expect(exchange.place(order(user, { price: 10n * USDT + 1n, amount: BTC / 100n }))).rejects.toMatchObject({
      code: ErrorCode.ValidationFailed,
      issues: [{ path: 'price' }],
    });
    await expect(exchange.place(order(user, { price: 10n * USDT, amount: BTC / 100n + 1n }))).rejects.toMatchObject({
      issues: [{ path: 'amount' }],
    });
    await expect(exchange.place(order(user, { pair: 'DOGE-USDT', price: 10n * USDT, amount: BTC }))).rejects.toMatchObject({
      code: ErrorCode.UnknownPair,
    });
    const operator = await fundedUser({});
    await setPairEnabled(db.sql, 'BTC-USDT', false, operator);
    await sleep(1_100); // the service reads pairs again after a second
    await expect(exchange.place(order(user, { price: 10n * USDT, amount: BTC / 100n }))).rejects.toMatchObject({
      code: ErrorCode.PairDisabled,
    });
    await setPairEnabled(db.sql, 'BTC-USDT', true, operator);
    await sleep(1_100);
  });

  it('answers a repeat of an order or a trigger stored before its pair was disabled with it, not with the refusal', async () => {
    const seller = await fundedUser({ BTC: BTC });
    const request = order(seller, { side: 'sell', price: 90_000n * USDT, amount: BTC / 100n });
    const first = await exchange.place(request);
    // stored as the API stores a trigger (its workflow is not needed to answer a repeat)
    const stop = {
      userId: seller,
      pair: 'BTC-USDT',
      idempotencyKey: `k${++keys}`,
      kind: 'stop_market' as const,
      side: 'sell' as const,
      triggerPrice: 1_000n * USDT,
      price: null,
      stopPrice: null,
      stopLimitPrice: null,
      amount: BTC / 100n,
      quoteAmount: null,
    };
    const trigger = await db.sql.begin((tx) => insertTrigger(tx, stop, { currency: 'BTC', amount: BTC / 100n }));
    const withWorkflows = new ExchangeService(db.sql, markets, { temporal: {} as TemporalTarget, log });
    const operator = await fundedUser({});
    await setPairEnabled(db.sql, 'BTC-USDT', false, operator);
    await sleep(1_100); // the service reads pairs again after a second
    try {
      // the first request's answer was lost: its repeat must say the order exists (and holds the BTC), not 422
      expect(await exchange.place(request)).toEqual({ order: first.order, replayed: true });
      await expect(exchange.place({ ...request, price: 91_000n * USDT })).rejects.toMatchObject({
        code: ErrorCode.IdempotencyConflict,
      });
      await expect(
        exchange.place(order(seller, { side: 'sell', price: 90_000n * USDT, amount: BTC / 100n })),
      ).rejects.toMatchObject({ code: ErrorCode.PairDisabled });
      expect(await withWorkflows.placeTrigger(stop)).toMatchObject({
        trigger: { id: trigger.ok && trigger.trigger?.id, status: 'pending' },
        replayed: true,
      });
    } finally {
      await setPairEnabled(db.sql, 'BTC-USDT', true, operator);
      await sleep(1_100);
    }
    await exchange.cancel(seller, first.order.id);
    await cancelTrigger(db.sql, trigger.ok ? trigger.trigger!.id : '', null);
    expect(await balance(seller, 'BTC')).toEqual({ posted: BTC, pending: 0n, available: BTC });
  });

  it('dates a trade, and so its candles, when its command was journaled, not when a later transaction settled it', async () => {
    const seller = await fundedUser({ BTC: BTC });
    const buyer = await fundedUser({ USDT: 10_000n * USDT });
    await exchange.place(order(seller, { side: 'sell', price: 35_000n * USDT, amount: BTC / 100n }));
    const bid = await exchange.place(order(buyer, { price: 35_000n * USDT, amount: BTC / 100n }));
    expect(bid.order.status).toBe('filled');
    await exchange.settledFor(buyer);
    // settled by the next transaction (or, after a restart, by recovery, any time later): its time is the journal's
    const [trade] = await db.sql`
      select t.created_at as traded_at, j.created_at as journaled_at from trades t
      join exchange_journal j on j.pair = t.pair and t.seq between j.first_seq and j.last_seq
      where t.buy_order_id = ${bid.order.id}`;
    expect(trade!.tradedAt).toEqual(trade!.journaledAt);
    expect(trade!.tradedAt).toEqual(bid.order.createdAt);
    // as if the engine died once the bid was journaled, before its trade was settled: recovery dates it the same
    await markets.close();
    await db.sql`delete from trades where buy_order_id = ${bid.order.id}`;
    await db.sql`delete from exchange_snapshots where pair = 'BTC-USDT' and seq >= ${bid.order.seq}`;
    await db.sql`update exchange_markets set settled_seq = ${Number(bid.order.seq) - 1} where pair = 'BTC-USDT'`;
    await startMarkets();
    const [recovered] = await db.sql`select created_at from trades where buy_order_id = ${bid.order.id}`;
    expect(recovered!.createdAt).toEqual(trade!.journaledAt);
  });

  it('many concurrent orders share journal and settlement transactions and keep escrow equal to open holds', async () => {
    const traders = await Promise.all(Array.from({ length: 10 }, () => fundedUser({ BTC: BTC, USDT: 1_000_000n * USDT })));
    await Promise.all(
      traders.flatMap((t, i) =>
        Array.from({ length: 20 }, (_, n) =>
          exchange.place(
            order(t, {
              side: (i + n) % 2 === 0 ? 'buy' : 'sell',
              price: (30_000n + BigInt((n * 7 + i * 3) % 11)) * USDT,
              amount: (BigInt(1 + ((n + i) % 5)) * BTC) / 1_000n,
            }),
          ),
        ),
      ),
    );
    const [open] = await db.sql`select coalesce(sum(held) filter (where hold_currency = 'BTC'), 0) as btc,
      coalesce(sum(held) filter (where hold_currency = 'USDT'), 0) as usdt from orders where status in ('new', 'open')`;
    expect((await balanceOf(db.sql, ORDER_ESCROW, 'BTC')).creditsPending).toBe(open!.btc);
    expect((await balanceOf(db.sql, ORDER_ESCROW, 'USDT')).creditsPending).toBe(open!.usdt);
    await Promise.all(traders.map((t) => exchange.settledFor(t)));
    const [count] = await db.sql`select count(*)::int as n from trades`;
    expect(count!.n).toBeGreaterThan(10);
  });

  it('journals a batch of commands as one row, each batch right after the last: one that overlaps or leaves a gap is refused', async () => {
    const [batches] = await db.sql`
      select count(*)::int as rows, max(last_seq) as last, sum(jsonb_array_length(commands))::int as commands
      from exchange_journal where pair = 'BTC-USDT'`;
    // the 200 orders above came in batches: fewer rows than commands, and every command numbered once
    expect(batches!.rows).toBeLessThan(batches!.commands);
    expect(batches!.commands).toBe(Number(batches!.last));
    const rolledBack = new Error('rolled back: the journal stays as the engine wrote it');
    const journalFrom = (first: number) =>
      db.sql
        .begin(async (tx) => {
          await tx`insert into exchange_journal (pair, first_seq, last_seq, commands)
            values ('BTC-USDT', ${first}, ${first}, ${tx.json([{ kind: 'cancel', id: 1, owner: 'nobody' }] as never)})`;
          throw rolledBack;
        })
        .catch((error: unknown) => error);
    const last = Number(batches!.last);
    expect(pgErrorCode(await journalFrom(last))).toBe('23505');
    expect(pgErrorCode(await journalFrom(last + 2))).toBe('23505');
    expect(await journalFrom(last + 1)).toBe(rolledBack);
  });

  it('keeps in open_orders exactly the orders still new or open: placed, filled, cancelled, settled', async () => {
    // the tests above placed, filled, partly filled and cancelled orders; this one waits until all of it is settled
    await (await markets.ready('BTC-USDT')).drained();
    const [kept] = await db.sql`
      select (select array_agg(id order by id) from open_orders) as listed,
             (select array_agg(id order by id) from orders where status in ('new', 'open')) as open,
             (select count(*)::int from orders where status not in ('new', 'open')) as closed`;
    expect(kept!.open.length).toBeGreaterThan(0);
    expect(kept!.closed).toBeGreaterThan(0);
    expect(kept!.listed).toEqual(kept!.open);
  });

  it("settles an order's row in place: no index of orders names a column settlement writes, and its pages leave room", async () => {
    // an update that changes a column an index names (as key, expression or predicate) is never HOT: a new row version
    // elsewhere and an entry in every index of the table (settlement-writer.ts `updateOrders` writes these)
    const written = ['status', 'reason', 'filled_amount', 'filled_quote', 'fee', 'held', 'updated_at'];
    const indexes = await db.sql`
      select pg_get_indexdef(indexrelid) as def from pg_index where indrelid = 'orders'::regclass`;
    expect(indexes.length).toBeGreaterThan(0);
    for (const { def } of indexes) for (const column of written) expect(def).not.toMatch(new RegExp(`\\b${column}\\b`));
    const [table] = await db.sql`select reloptions from pg_class where oid = 'orders'::regclass`;
    expect(table!.reloptions).toContain('fillfactor=50');
  });
});

describe('settlement carried by the next batch', () => {
  it('settles a batch with the next batch of orders, not in a transaction of its own; a reader or a cancel has it settled at once', async () => {
    // settlement alone waits a minute here: whatever settles sooner was carried by orders or asked for by a caller
    await markets.close();
    markets = new Markets(db.sql, db.url, log, undefined, { snapshotEvery: 7, settleIdleMs: 60_000 });
    markets.start([await exchange.pair('BTC-USDT')]);
    await markets.ready('BTC-USDT');
    exchange = new ExchangeService(db.sql, markets);
    const settledSeq = async () =>
      Number((await db.sql`select settled_seq from exchange_markets where pair = 'BTC-USDT'`)[0]!.settledSeq);
    const promptly = async (wait: Promise<unknown> | undefined) => {
      const started = Date.now();
      expect(wait).toBeInstanceOf(Promise);
      await wait;
      return Date.now() - started;
    };
    const seller = await fundedUser({ BTC: 1n * BTC });
    const buyer = await fundedUser({ USDT: 100_000n * USDT });
    const ask = await exchange.place(order(seller, { side: 'sell', price: 45_000n * USDT, amount: BTC / 10n }));
    await sleep(200);
    expect(await settledSeq()).toBeLessThan(Number(ask.order.seq));
    // the bid's transaction settled the ask: it was committed before the bid was answered
    const bid = await exchange.place(order(buyer, { side: 'buy', price: 45_000n * USDT, amount: BTC / 20n }));
    expect(bid.order).toMatchObject({ status: 'filled' });
    expect(await settledSeq()).toBe(Number(ask.order.seq));
    // a reader at the barrier does not wait for more orders to carry the bid's settlement
    expect(await promptly(exchange.settledFor(buyer))).toBeLessThan(5_000);
    expect(await settledSeq()).toBe(Number(bid.order.seq));
    expect(await balance(buyer, 'BTC')).toMatchObject({ posted: BTC / 20n - 10_000n });
    // nor does a cancel, answered once settled
    const rest = await exchange.place(order(seller, { side: 'sell', price: 46_000n * USDT, amount: BTC / 10n }));
    expect(await promptly(exchange.cancel(seller, rest.order.id))).toBeLessThan(5_000);
    expect(await orderById(db.sql, rest.order.id)).toMatchObject({ status: 'cancelled', held: 0n });
    await markets.close();
    await startMarkets();
  });
});

describe('recovery', () => {
  it('a standby takes over from the journal with the same state hash, and settling again moves nothing twice', async () => {
    const before = (await markets.ready('BTC-USDT')).stateHash();
    const bookBefore = (await markets.ready('BTC-USDT')).bookSnapshot(50);
    expect(bookBefore.seq).toBeGreaterThan(0);
    const [ledgerBefore] = await db.sql`select count(*)::int as n from ledger_transfers`;
    const [tradesBefore] = await db.sql`select count(*)::int as n from trades`;
    await markets.close();
    // as if the engine died after matching and before settling anything: everything is settled again
    await db.sql`update exchange_markets set settled_seq = 0`;
    await startMarkets();
    expect((await markets.ready('BTC-USDT')).stateHash()).toEqual(before);
    // the book's update numbers go on where they stopped: a subscriber sees no gap and need not re-subscribe
    expect((await markets.ready('BTC-USDT')).bookSnapshot(50)).toEqual(bookBefore);
    const [ledgerAfter] = await db.sql`select count(*)::int as n from ledger_transfers`;
    const [tradesAfter] = await db.sql`select count(*)::int as n from trades`;
    expect(ledgerAfter!.n).toBe(ledgerBefore!.n);
    expect(tradesAfter!.n).toBe(tradesBefore!.n);
  });

  it("a restarted process's ticker starts from the last stored trade, not from null until the next one", async () => {
    const seller = await fundedUser({ BTC: BTC });
    const buyer = await fundedUser({ USDT: 10_000n * USDT });
    await exchange.place(order(seller, { side: 'sell', price: 47_123n * USDT, amount: BTC / 100n }));
    await exchange.place(order(buyer, { side: 'buy', price: 47_123n * USDT, amount: BTC / 100n }));
    await exchange.settledFor(buyer);
    // the buy trades at the book's best ask, whichever earlier tests left
    const [last] = await db.sql`select price from trades where pair = 'BTC-USDT' order by id desc limit 1`;
    const price = formatAmount(last!.price as bigint, 6);
    expect(markets.feed.lastPrice('BTC-USDT')).toBe(price);
    await markets.close();
    await startMarkets(); // a new process: a new feed, whose prices were never set by a trade
    expect(markets.feed.lastPrice('BTC-USDT')).toBe(price);
  });

  it('only one process runs a pair: a second waits and takes over when the first lets go', async () => {
    const standby = new Markets(db.sql, db.url, log);
    standby.start([await exchange.pair('BTC-USDT')]);
    await sleep(500);
    expect(standby.get('BTC-USDT')).toBeUndefined();
    const hash = (await markets.ready('BTC-USDT')).stateHash();
    await markets.close();
    const takenOver = await standby.ready('BTC-USDT', 10_000);
    expect(takenOver.stateHash()).toEqual(hash);
    markets = standby;
  });
});

describe("the market workflow's activities", () => {
  it('checkpoint the journal into a snapshot that recovery starts from, with the same hash', async () => {
    const live = (await markets.ready('BTC-USDT')).stateHash();
    const checkpoint = await checkpointMarket(db.sql, 'BTC-USDT');
    expect(checkpoint).toEqual(live);
    const [stored] = await db.sql`select source from exchange_snapshots where pair = 'BTC-USDT' order by seq desc limit 1`;
    expect(stored!.source).toBe('checkpoint');
    await markets.close();
    await startMarkets();
    expect((await markets.ready('BTC-USDT')).stateHash()).toEqual(live);
  });

  it("audit the engine's own snapshots against the journal, and the holds against the escrow", async () => {
    const audit = await auditMarket(db.sql, 'BTC-USDT');
    expect(audit.engine).not.toBeNull();
    expect(audit).toMatchObject({ ok: true, heldMismatches: [] });
    expect(audit.journal).toEqual(audit.engine);
    await db.sql`update orders set held = held + 1 where id = (select max(id) from orders where status = 'open')`;
    expect(await auditMarket(db.sql, 'BTC-USDT')).toMatchObject({ ok: false });
    await db.sql`update orders set held = held - 1 where id = (select max(id) from orders where status = 'open')`;
  });

  it('audit and checkpoint replay from the latest checkpoint, not from the start of the journal', async () => {
    const checkpoint = await checkpointMarket(db.sql, 'BTC-USDT');
    const user = await fundedUser({ USDT: 1_000n * USDT });
    for (let i = 0; i < 8; i++) await exchange.place(order(user, { price: 5n * USDT, amount: BTC / 100n }));
    // the first command altered behind the append-only guard: a replay from the start would no longer match the
    // engine; one from the checkpoint never reads it
    const [first] = await db.sql`select commands -> 0 as command from exchange_journal where pair = 'BTC-USDT' and first_seq = 1`;
    const rewrite = async (command: unknown) => {
      await db.sql`alter table exchange_journal disable trigger exchange_journal_append_only`;
      await db.sql`update exchange_journal set commands = jsonb_set(commands, '{0}', ${db.sql.json(command as never)}) where pair = 'BTC-USDT' and first_seq = 1`;
      await db.sql`alter table exchange_journal enable trigger exchange_journal_append_only`;
    };
    const altered = structuredClone(first!.command) as { order: { price: number } };
    altered.order.price += 1;
    await rewrite(altered);
    try {
      const audit = await auditMarket(db.sql, 'BTC-USDT');
      expect(audit.engine!.seq).toBeGreaterThan(checkpoint.seq);
      expect(audit).toMatchObject({ ok: true });
      // a checkpoint replays what is settled: the last order's settlement may still wait for a batch to carry it
      await (await markets.ready('BTC-USDT')).drained();
      expect((await checkpointMarket(db.sql, 'BTC-USDT')).hash).toBe((await markets.ready('BTC-USDT')).stateHash().hash);
    } finally {
      await rewrite(first!.command);
    }
  });

  it('halt a market: new orders are refused, cancels still go through', async () => {
    const user = await fundedUser({ USDT: 1_000n * USDT });
    const open = await exchange.place(order(user, { price: 5n * USDT, amount: BTC / 100n }));
    await setMarketHalted(db.sql, 'BTC-USDT', 'maintenance');
    await sleep(1_100);
    await expect(exchange.place(order(user, { price: 5n * USDT, amount: BTC / 100n }))).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
    expect(await exchange.cancel(user, open.order.id)).toMatchObject({ status: 'cancelled' });
    await setMarketHalted(db.sql, 'BTC-USDT', null);
    await sleep(1_100);
    expect((await exchange.place(order(user, { price: 5n * USDT, amount: BTC / 100n }))).order.status).toBe('open');
  });
});
