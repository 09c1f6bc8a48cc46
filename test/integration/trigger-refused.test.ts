/**
 * A fired trigger whose order is refused, on a real PostgreSQL: refused for good (its pair disabled after the trade
 * that fired it was accepted, or the ledger refusing its order's hold), it ends failed with the reason in the journal
 * transaction, its hold released, its owner told and its workflow signalled; nothing is journaled for it. And a cancel
 * that the trigger's fire beat is refused, naming what the trigger became.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors.js';
import { checkOrder, type OrderRequest } from '../../domain/exchange/order-request.js';
import { heldFunds } from '../../services/exchange/journal.js';
import { Markets } from '../../services/exchange/markets.js';
import { setPairEnabled } from '../../services/exchange/pairs-store.js';
import { setMarketHalted } from '../../services/exchange/checkpoint.js';
import type { SubmitOutcome } from '../../services/exchange/market.js';
import { ExchangeService } from '../../services/exchange/service.js';
import { armed, cancelTrigger, insertTrigger, triggerById } from '../../services/exchange/triggers-store.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { notificationsFor } from '../../services/notifications/store.js';
import { waitUntil } from '../../platform/embedded/process.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fundedUser } from '../support/funded-user.js';
import { expectRendersItsTemplates } from '../support/notification-templates.js';
import { insertUser } from '../../services/users-auth/users-store.js';

const log = pino({ level: 'silent' });
const BTC = 100_000_000n;
const USDT = 1_000_000n;
let db: TestDatabase;
let markets: Markets;
let exchange: ExchangeService;
const failedSignals: Array<{ triggerId: number; reason: string }> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  markets = new Markets(db.sql, db.url, log, undefined, {
    onFailed: async (triggerId, reason) => void failedSignals.push({ triggerId, reason }),
  });
  exchange = new ExchangeService(db.sql, markets);
  markets.start([await exchange.pair('BTC-USDT')]);
  await markets.ready('BTC-USDT');
});
afterAll(async () => {
  await markets.close();
  await db.drop();
});

let keys = 0;
const limit = (side: 'buy' | 'sell', price: bigint, amount: bigint): OrderRequest => ({
  side,
  type: 'limit',
  price,
  amount,
  quoteAmount: null,
  timeInForce: 'GTC',
  postOnly: false,
});

/** A sell stop at 20,000 for 0.01 BTC, stored and armed as the API does it (the API also starts its workflow). */
async function sellStop(userId: string, hold: bigint) {
  const inserted = await db.sql.begin((tx) =>
    insertTrigger(
      tx,
      {
        userId,
        pair: 'BTC-USDT',
        idempotencyKey: `stop-${++keys}`,
        kind: 'stop_market',
        side: 'sell',
        triggerPrice: 20_000n * USDT,
        price: null,
        stopPrice: null,
        stopLimitPrice: null,
        amount: BTC / 100n,
        quoteAmount: null,
      },
      { currency: 'BTC', amount: hold },
    ),
  );
  if (!inserted.ok || !inserted.trigger) throw new Error(inserted.ok ? 'the key was taken' : inserted.error.message);
  markets.get('BTC-USDT')!.arm(armed(inserted.trigger));
  return inserted.trigger;
}

/**
 * A trade at 19,000 between two other users: the last price crosses the stop. `selling` runs the sell (its seller's
 * ledger account given, to hold its batch up) and answers its outcome.
 */
async function tradeAt19k(
  beforeTheSell?: () => Promise<void>,
  selling: (sell: () => Promise<SubmitOutcome>, sellerAccount: string) => Promise<SubmitOutcome> = (sell) => sell(),
) {
  const market = markets.get('BTC-USDT')!;
  const [buyer, seller] = [
    await fundedUser(db.sql, 'buyer', { USDT: 1_000n * USDT }),
    await fundedUser(db.sql, 'seller', { BTC }),
  ];
  const pair = await exchange.pair('BTC-USDT');
  const place = (userId: string, request: OrderRequest) =>
    market.submit({
      kind: 'place',
      userId,
      idempotencyKey: `o-${++keys}`,
      clientOrderId: null,
      request,
      checked: checkOrder(pair, request),
    });
  expect(await place(buyer, limit('buy', 19_000n * USDT, BTC / 1_000n))).toMatchObject({ ok: true });
  const sell = limit('sell', 19_000n * USDT, BTC / 1_000n);
  const checked = checkOrder(pair, sell); // the API checked it while the pair traded
  await beforeTheSell?.();
  const key = `o-${++keys}`;
  const outcome = await selling(
    () => market.submit({ kind: 'place', userId: seller, idempotencyKey: key, clientOrderId: null, request: sell, checked }),
    userAccountName(seller),
  );
  expect(outcome).toMatchObject({ ok: true, order: { status: 'filled' } });
}

const btc = async (userId: string) => balanceView(await balanceOf(db.sql, userAccountName(userId), 'BTC'));

async function expectFailed(trigger: { id: string }, userId: string, reason: ErrorCode, funded: bigint) {
  await waitUntil('the trigger failed', async () => {
    if ((await triggerById(db.sql, trigger.id))?.status !== 'failed') throw new Error('still pending');
  });
  expect(await triggerById(db.sql, trigger.id)).toMatchObject({ status: 'failed', failureReason: reason, orderId: null });
  expect(await btc(userId)).toEqual({ posted: funded, pending: 0n, available: funded });
  const notes = await notificationsFor(db.sql, userId, { limit: 10 });
  expect(notes).toMatchObject([{ kind: 'trigger_failed', severity: 'warning', body: { reason, trigger_id: trigger.id } }]);
  await expectRendersItsTemplates(db.sql, notes[0]!);
  await waitUntil('its workflow told', async () => {
    if (!failedSignals.some((s) => s.triggerId === Number(trigger.id))) throw new Error('not signalled');
  });
  expect(failedSignals.filter((s) => s.triggerId === Number(trigger.id))).toEqual([{ triggerId: Number(trigger.id), reason }]);
  expect(await db.sql`select id from orders where user_id = ${userId}`).toHaveLength(0);
  for (const h of await heldFunds(db.sql)) expect(h.ordersHeld).toBe(h.escrowPending);
}

describe('a fired trigger whose order is refused', () => {
  it('fails as pair_disabled when an operator disabled its pair after the trade that fired it was accepted', async () => {
    const carl = await fundedUser(db.sql, 'carl', { BTC });
    const operator = (await insertUser(db.sql, { email: 'pairs-operator@example.com', passwordHash: 'x', role: 'operator' }))!;
    const stop = await sellStop(carl, BTC / 100n);
    expect(await btc(carl)).toMatchObject({ pending: BTC / 100n });
    try {
      await tradeAt19k(() => setPairEnabled(db.sql, 'BTC-USDT', false, operator.id));
      await expectFailed(stop, carl, ErrorCode.PairDisabled, BTC);
    } finally {
      await setPairEnabled(db.sql, 'BTC-USDT', true, operator.id);
    }
  });

  it("fails as insufficient_funds when the ledger refuses its order's hold, releasing the trigger's own", async () => {
    // a hold of half what its order needs, as no trigger the API stores has, and nothing else to spend: only the
    // ledger can refuse the order now
    const dora = await fundedUser(db.sql, 'dora', { BTC: BTC / 200n });
    const stop = await sellStop(dora, BTC / 200n);
    await tradeAt19k();
    await expectFailed(stop, dora, ErrorCode.InsufficientFunds, BTC / 200n);
  });
});

describe('a cancel that the trigger fired before', () => {
  it('is a 409 naming the status the trigger reached, and its order stands', async () => {
    const erin = await fundedUser(db.sql, 'erin', { BTC });
    const stop = await sellStop(erin, BTC / 100n);
    // the trigger's workflow as the owner's cancel finds it when the trade that fires the trigger gets in between the
    // service's read of the row and the workflow's cancel: its activity (the same SQL) meets a fired row
    const workflow = {
      client: {
        workflow: {
          getHandle: (workflowId: string) => ({
            executeUpdate: async (_update: unknown, { args: [{ by }] }: { args: [{ by: string }] }) => {
              await tradeAt19k();
              await waitUntil('the trigger fired', async () => {
                if ((await triggerById(db.sql, stop.id))?.status !== 'fired') throw new Error('still pending');
              });
              return cancelTrigger(db.sql, workflowId.replace('trigger:', ''), by);
            },
          }),
        },
      },
      taskQueue: 'none',
    } as unknown as TemporalTarget;
    const owner = new ExchangeService(db.sql, markets, { temporal: workflow, log });
    await expect(owner.cancelTrigger(erin, stop.id)).rejects.toMatchObject({
      code: ErrorCode.OrderNotOpen,
      message: 'the trigger is fired',
    });
    const fired = await triggerById(db.sql, stop.id);
    expect(fired).toMatchObject({ status: 'fired' });
    expect(fired!.orderId).not.toBeNull();
  });
});

/** Until `count` statements wait for a lock. */
const lockWaiters = (count: number) =>
  waitUntil(`${count} statements wait for a lock`, async () => {
    const [row] = await db.sql`
      select count(*)::int as waiting from pg_locks
      where not granted and pid in (select pid from pg_stat_activity where datname = current_database())`;
    if (row!.waiting < count) throw new Error(`${row!.waiting} waiting`);
  });

describe('a trigger fired by the last trade before a halt', () => {
  it('places nothing while its pair is halted, and fires on the first trade reaching its price after the resume', async () => {
    const gus = await fundedUser(db.sql, 'gus', { BTC });
    const stop = await sellStop(gus, BTC / 100n);
    try {
      // the halt lands while the trade's batch is in flight: it waits for that batch (the last before it) to commit,
      // and the trigger that trade fires reaches the journal after it
      await tradeAt19k(undefined, async (sell, sellerAccount) => {
        const holdUp = await db.sql.reserve();
        try {
          await holdUp`begin`;
          await holdUp`select id from ledger_accounts where name = ${sellerAccount} for update`;
          const selling = sell();
          await lockWaiters(1);
          const halting = setMarketHalted(db.sql, 'BTC-USDT', 'maintenance');
          // the halt waits for the trade's batch (or, if nothing made it wait, is done)
          await Promise.race([halting, lockWaiters(2)]);
          await holdUp`rollback`;
          await halting;
          return await selling;
        } finally {
          holdUp.release();
        }
      });
      // the trigger fired as the trade applied: its order, if placed, would be stored by now
      await sleep(300);
      expect(await triggerById(db.sql, stop.id)).toMatchObject({ status: 'pending', orderId: null });
      expect(await db.sql`select id from orders where user_id = ${gus}`).toHaveLength(0);
      expect(await btc(gus)).toMatchObject({ pending: BTC / 100n });
    } finally {
      await setMarketHalted(db.sql, 'BTC-USDT', null);
    }
    await tradeAt19k();
    await waitUntil('the trigger fired after the resume', async () => {
      if ((await triggerById(db.sql, stop.id))?.status !== 'fired') throw new Error('still pending');
    });
    expect(await db.sql`select id from orders where user_id = ${gus}`).toHaveLength(1);
    for (const h of await heldFunds(db.sql)) expect(h.ordersHeld).toBe(h.escrowPending);
  });

  it("refuses a client's order that reaches the market after the halt, before the service's catalog has seen it", async () => {
    const hal = await fundedUser(db.sql, 'hal', { BTC });
    const pair = await exchange.pair('BTC-USDT');
    const request = limit('sell', 30_000n * USDT, BTC / 100n);
    await setMarketHalted(db.sql, 'BTC-USDT', 'maintenance');
    try {
      const outcome = await markets.get('BTC-USDT')!.submit({
        kind: 'place',
        userId: hal,
        idempotencyKey: `o-${++keys}`,
        clientOrderId: null,
        request,
        checked: checkOrder(pair, request),
      });
      expect(outcome).toMatchObject({ ok: false, error: { code: ErrorCode.Unavailable } });
      expect(await db.sql`select id from orders where user_id = ${hal}`).toHaveLength(0);
      expect(await btc(hal)).toEqual({ posted: BTC, pending: 0n, available: BTC });
    } finally {
      await setMarketHalted(db.sql, 'BTC-USDT', null);
    }
  });
});
