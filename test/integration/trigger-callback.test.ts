/**
 * A trigger order's callback is linked, and told `pending`, in the transaction that stores the trigger (before it is
 * armed and its workflow started), so a fire that follows at once finds the link and is told too.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { Markets } from '../../services/exchange/markets.js';
import { ExchangeService, type PlaceOrder } from '../../services/exchange/service.js';
import { orderCallback } from '../../services/orders/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fundedUser } from '../support/funded-user.js';

const log = pino({ level: 'silent' });
const BTC = 100_000_000n;
const USDT = 1_000_000n;
let db: TestDatabase;
let markets: Markets;
let exchange: ExchangeService;

// no Temporal here: the trigger's workflow start fails after the commit and is left to the sweep
const temporal = {
  client: { workflow: { start: () => Promise.reject(new Error('no Temporal in this test')) } },
  taskQueue: 'none',
} as unknown as TemporalTarget;

beforeAll(async () => {
  db = await createTestDatabase();
  markets = new Markets(db.sql, db.url, log);
  exchange = new ExchangeService(db.sql, markets, { temporal, log });
  markets.start([await exchange.pair('BTC-USDT')]);
  await markets.ready('BTC-USDT');
});
afterAll(async () => {
  await markets.close();
  await db.drop();
});

let keys = 0;
const limit = (userId: string, side: 'buy' | 'sell'): PlaceOrder => ({
  userId,
  pair: 'BTC-USDT',
  side,
  type: 'limit',
  price: 20_000n * USDT,
  amount: BTC / 1_000n,
  quoteAmount: null,
  timeInForce: side === 'buy' ? 'IOC' : 'GTC',
  postOnly: false,
  clientOrderId: null,
  idempotencyKey: `k${++keys}`,
});

/** The states the trigger's callback was told, in order; null when it has no callback. */
async function told(triggerId: string): Promise<string[] | null> {
  const id = `trg_${triggerId}`;
  const [link] = await db.sql`select endpoint_id from order_callbacks where order_id = ${id}`;
  if (!link) return null;
  const rows = await db.sql`
    select ev.id from webhook_deliveries d join webhook_events ev on ev.id = d.event_id
    where d.endpoint_id = ${link.endpointId} and ev.id like ${`order:${id}:%`} order by d.position`;
  return rows.map((r) => (r.id as string).split(':')[2]!);
}

describe('a trigger order with a callback', () => {
  it('is linked and told pending as it is stored, so the fire that follows at once is told too', async () => {
    const [carl, dave, erin] = await Promise.all([
      fundedUser(db.sql, 'carl', { BTC }),
      fundedUser(db.sql, 'dave', { USDT: 1_000n * USDT }),
      fundedUser(db.sql, 'erin', { BTC }),
    ]);
    const { trigger } = await exchange.placeTrigger(
      {
        userId: carl,
        pair: 'BTC-USDT',
        idempotencyKey: 'carl-stop',
        kind: 'stop_market',
        side: 'sell',
        triggerPrice: 20_000n * USDT,
        price: null,
        stopPrice: null,
        stopLimitPrice: null,
        amount: BTC / 100n,
        quoteAmount: null,
      },
      orderCallback({ key: Buffer.alloc(32, 7) }, carl, 'https://merchant.example/stop'),
    );
    expect(await told(trigger.id)).toEqual(['pending']);
    // a trade at 20,000 fires it
    await exchange.place(limit(erin, 'sell'));
    await exchange.place(limit(dave, 'buy'));
    await expect.poll(() => told(trigger.id), { timeout: 5_000 }).toEqual(['pending', 'fired']);
  });
});
