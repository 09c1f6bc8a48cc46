/**
 * The rates' surface other features use (services/rates/client.ts) on a real database: conversions through chains of
 * pairs at the seeded rates, a static price taking effect at once (with the formulas over it), and a stale exchange rate refused by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors.js';
import { parseRate, rate } from '../../domain/rates/rate.js';
import { CurrentRates, convertMinor } from '../../services/rates/client.js';
import { recordRates } from '../../services/rates/history-store.js';
import { recomputeRates } from '../../services/rates/refresh.js';
import { setRateSource } from '../../services/rates/service.js';
import { Invalidations, listenForInvalidations } from '../../platform/db/invalidations.js';
import pino from 'pino';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let rates: CurrentRates;
const BTC = { code: 'BTC', scale: 8 };
const UAH = { code: 'UAH', scale: 2 };
const USD = { code: 'USD', scale: 2 };
const XRP = { code: 'XRP', scale: 6 };

beforeAll(async () => {
  db = await createTestDatabase();
  rates = new CurrentRates(db.sql, 0);
});
afterAll(() => db?.drop());

describe('CurrentRates', () => {
  it('converts through the shortest chain of pairs at the mid rates, rounding as asked', async () => {
    // 1 BTC = 90,000 USDT × 41.5 UAH (the USDT-UAH formula, a shorter chain than through USD)
    const converted = await rates.convert(100_000_000n, BTC, UAH, 'down');
    expect(converted.amount).toBe(373_500_000n);
    expect(converted.rate.path.map((s) => s.pair)).toEqual(['BTC-USDT', 'USDT-UAH']);
    expect((await rates.convert(10_000n, USD, BTC, 'up')).rate.path.map((s) => s.pair)).toEqual(['USDT-USD', 'BTC-USDT']);
    // a USD-denominated limit in XRP: 1,000 USD / 2.2 = 454.545454… XRP
    expect((await rates.convert(100_000n, USD, XRP, 'down')).amount).toBe(454_545_454n);
    expect((await rates.convert(100_000n, USD, XRP, 'up')).amount).toBe(454_545_455n);

    const locked = await rates.lockRate('XRP', 'UAH');
    expect(locked.rate).toEqual(parseRate('91.3'));
    expect(convertMinor(2_000_000n, locked.rate, 6, 2, 'down')).toBe(18_260n);
  });

  it("applies an operator's static price at once, and the formulas built on it with it", async () => {
    await setRateSource(
      { sql: db.sql, rates },
      { pair: 'USD-UAH', source: { kind: 'static', rate: parseRate('42')! }, spreadPpm: 1_000n, maxAgeSeconds: 60 },
      'operator',
    );
    expect((await rates.lockRate('USD', 'UAH')).rate).toEqual(rate(42n, 1n));
    expect((await rates.usable('USD-UAH')).spreadPpm).toBe(1_000n);
    // USDT-UAH = USDT-USD × USD-UAH = 1 × 42, without waiting for the scheduled refresh
    expect((await rates.usable('USDT-UAH')).mid).toEqual(rate(42n, 1n));
    expect((await rates.lockRate('USDT', 'UAH')).rate).toEqual(rate(42n, 1n));
  });

  it('hears of a rate committed by another process at once when listening, however long its time-to-live', async () => {
    const invalidations = new Invalidations();
    const listening = new CurrentRates(db.sql, 3_600_000);
    listening.listenTo(invalidations);
    const listener = listenForInvalidations(db.url, invalidations, pino({ level: 'silent' }));
    try {
      await expect.poll(() => invalidations.isLive).toBe(true);
      expect((await listening.usable('ETH-USDT')).mid).toEqual(rate(3000n, 1n));
      await recordRates(db.sql, [{ pair: 'ETH-USDT', mid: parseRate('3100')!, spreadPpm: 0n, source: 'static', asOf: null }]);
      await expect.poll(async () => (await listening.usable('ETH-USDT')).mid, { timeout: 2_000 }).toEqual(rate(3100n, 1n));
    } finally {
      await listener.close();
    }
  });

  it('refuses a stale exchange rate, and a currency no pair reaches, with rate_unavailable naming the pair', async () => {
    await db.sql`update rate_sources set kind = 'external', static_rate = null, exchange = 'binance', symbol = 'XRP/USDT',
                 max_age_seconds = 60 where pair = 'XRP-USDT'`;
    await recordRates(db.sql, [
      { pair: 'XRP-USDT', mid: parseRate('2.3')!, spreadPpm: 0n, source: 'external', asOf: new Date(Date.now() - 61_000) },
    ]);
    const refusal = await rates.convert(1_000_000n, XRP, UAH, 'down').catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(DomainError);
    expect(refusal).toMatchObject({ code: 'rate_unavailable', issues: [{ path: 'pair', message: 'XRP-USDT' }] });
    expect((refusal as Error).message).toMatch(/XRP-USDT is stale/);
    // BTC to UAH does not go through XRP-USDT: one satoshi is 0.03735 UAH
    expect((await rates.convert(1n, BTC, UAH, 'down')).amount).toBe(3n);
    await expect(rates.lockRate('EUR', 'UAH')).rejects.toMatchObject({ code: 'rate_unavailable' });
  });

  it('prices no pair with the static price it had before an operator pointed it at an exchange, nor the formulas over it', async () => {
    // USD-UAH was static (the formula USDT-UAH is built on it); its exchange has answered nothing yet
    await setRateSource(
      { sql: db.sql, rates },
      {
        pair: 'USD-UAH',
        source: { kind: 'external', exchange: 'binance', symbol: 'USD/UAH' },
        spreadPpm: 2_000n,
        maxAgeSeconds: 60,
      },
      'operator',
    );
    await expect(rates.usable('USD-UAH')).rejects.toMatchObject({ code: 'rate_unavailable' });
    await expect(rates.usable('USDT-UAH')).rejects.toMatchObject({ code: 'rate_unavailable' });
    await expect(rates.convert(100n, USD, UAH, 'down')).rejects.toMatchObject({ code: 'rate_unavailable' });
    // the next round recomputes no formula from the old static price either
    await recomputeRates(db.sql);
    await expect(rates.usable('USDT-UAH')).rejects.toMatchObject({ code: 'rate_unavailable' });
    // once the exchange answers, both are priced again, aging with its ticker
    const observed = new Date();
    await recordRates(db.sql, [
      { pair: 'USD-UAH', mid: parseRate('43')!, spreadPpm: 2_000n, source: 'external', asOf: observed },
    ]);
    await recomputeRates(db.sql);
    expect(await rates.usable('USDT-UAH')).toMatchObject({ mid: rate(43n, 1n), asOf: observed });
  });

  it("applies a new spread to an exchange-priced pair at once, keeping the ticker's observation time", async () => {
    const observed = new Date(Date.now() - 10_000);
    await recordRates(db.sql, [
      { pair: 'USD-UAH', mid: parseRate('44')!, spreadPpm: 2_000n, source: 'external', asOf: observed },
    ]);
    await setRateSource(
      { sql: db.sql, rates },
      {
        pair: 'USD-UAH',
        source: { kind: 'external', exchange: 'binance', symbol: 'USD/UAH' },
        spreadPpm: 5_000n,
        maxAgeSeconds: 60,
      },
      'operator',
    );
    // the same ticker, now under the new spread; it ages from when the exchange gave it, not from the change
    expect(await rates.usable('USD-UAH')).toMatchObject({ mid: rate(44n, 1n), spreadPpm: 5_000n, asOf: observed });
  });
});
