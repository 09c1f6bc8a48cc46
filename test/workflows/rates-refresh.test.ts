/**
 * The rates refresh workflow on the time-skipping server, with its real activity against a test database and ccxt
 * reading the Binance double: an external rate is recorded from the book's top, a failing exchange is reported
 * without losing the other pairs, and a failed activity is retried (its backoff skipped).
 */
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRatesActivities } from '../../activities/rates/activities.js';
import { parseRate } from '../../domain/rates/rate.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { ExchangeTickers } from '../../services/rates/exchange-tickers.js';
import { latestRates } from '../../services/rates/history-store.js';
import { loadRateSettings, saveRateSetting } from '../../services/rates/sources-store.js';
import { ratesRefreshWorkflow } from '../../workflows/rates/workflow.js';
import { startBinanceDouble, type BinanceDouble } from '../support/binance-double.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let binance: BinanceDouble;

beforeAll(async () => {
  [env, db, binance] = await Promise.all([timeSkippingEnvironment(), createTestDatabase(), startBinanceDouble()]);
  const btc = (await loadRateSettings(db.sql)).find((s) => s.code === 'BTC-USDT')!;
  await saveRateSetting(db.sql, { ...btc, source: { kind: 'external', exchange: 'binance', symbol: 'BTC/USDT' } }, 'test');
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
  await binance?.close();
});

async function refresh(workflowId: string, activities = createRatesActivities(deps())) {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'rates-test',
    workflowBundle: workflowBundle(),
    activities,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(ratesRefreshWorkflow, { taskQueue: 'rates-test', workflowId });
    const result = await handle.result();
    const described = await handle.describe();
    return { result, status: described.typedSearchAttributes.get(SluiceStatus), history: await handle.fetchHistory() };
  });
}
const tickers = () => new ExchangeTickers({ binance: binance.url });
const deps = () => ({ sql: db.sql, log: pino({ level: 'silent' }), tickers: tickers() });
const current = async (pair: string) => (await latestRates(db.sql)).find((r) => r.pair === pair)!;

describe('ratesRefreshWorkflow', () => {
  it("records an exchange's mid rate, static prices and formulas", async () => {
    binance.setTop('BTCUSDT', { bid: '118449.02000000', ask: '118449.03000000' });
    const { result, status } = await refresh('rates-refresh:test-ok');
    expect(result.failed).toEqual([]);
    expect(result.recorded.sort()).toEqual(['BTC-USDT', 'ETH-USDT', 'USD-UAH', 'USDT-UAH', 'USDT-USD', 'XRP-USDT']);
    expect(status).toBe('refreshed');
    const btc = await current('BTC-USDT');
    expect(btc).toMatchObject({ mid: parseRate('118449.025'), source: 'external', spreadPpm: 2000n });
    expect(Date.now() - btc.asOf!.getTime()).toBeLessThan(60_000);
    expect(await current('USDT-UAH')).toMatchObject({ mid: parseRate('41.5'), source: 'formula', asOf: null });
    expect(binance.requests.some((r) => r.startsWith('/api/v3/ticker/24hr?symbols='))).toBe(true);
  });

  it('reports a failing exchange and still records the other pairs; the failed pair keeps its last rate', async () => {
    const before = await current('BTC-USDT');
    binance.setDown(true);
    try {
      const { result, status } = await refresh('rates-refresh:test-down');
      expect(result.failed).toEqual([{ pair: 'BTC-USDT', error: expect.stringContaining('ExchangeNotAvailable') }]);
      expect(result.recorded).not.toContain('BTC-USDT');
      expect(result.recorded).toContain('USDT-UAH');
      expect(status).toBe('partly-failed');
      expect((await current('BTC-USDT')).recordedAt).toEqual(before.recordedAt);
    } finally {
      binance.setDown(false);
    }
  });

  it('retries an activity that failed (the database away), after its backoff', async () => {
    const real = createRatesActivities(deps());
    let attempts = 0;
    const flaky = {
      refreshRates: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('connection refused');
        return real.refreshRates();
      },
    };
    const { result, history } = await refresh('rates-refresh:test-retry', flaky);
    expect(attempts).toBe(2);
    expect(result.failed).toEqual([]);
    expect(history.events?.some((e) => e.activityTaskStartedEventAttributes?.attempt === 2)).toBe(true);
  });
});
