/** GET /v1/candles on a real PostgreSQL: a window of at most 1,000 candles, oldest first, and which window it is. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
const MINUTE = 60_000;
// 1,200 one-minute candles, the last one in the minute before this one
const latest = new Date(Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE);
const first = new Date(latest.getTime() - 1_199 * MINUTE);

beforeAll(async () => {
  t = await startTestApp();
  await t.db.sql`
    insert into candles (pair, period, open_time, open, high, low, close, volume, quote_volume, trades, first_trade, last_trade)
    select 'BTC-USDT', '1m', ${first}::timestamptz + make_interval(mins => n), 1000000, 1000000, 1000000, 1000000, 1000, 1000,
      1, n + 1, n + 1
    from generate_series(0, 1199) as n`;
});
afterAll(() => t?.close());

const candles = async (query: string) => {
  const response = await t.api.get(`/v1/candles?pair=BTC-USDT&interval=1m${query}`);
  expect(response.status).toBe(200);
  return (response.body.data as Array<{ open_time: string }>).map((c) => c.open_time);
};

describe('GET /v1/candles', () => {
  it('without from, answers the latest candles (what a chart opens on), oldest first', async () => {
    const times = await candles('');
    expect(times).toHaveLength(1_000);
    expect(times.at(-1)).toBe(latest.toISOString());
    expect(times[0]).toBe(new Date(latest.getTime() - 999 * MINUTE).toISOString());
    // and the latest before `to`
    const to = new Date(latest.getTime() - 100 * MINUTE);
    const before = await candles(`&to=${to.toISOString()}`);
    expect(before.at(-1)).toBe(new Date(to.getTime() - MINUTE).toISOString());
    expect(before).toHaveLength(1_000);
  });

  it('with from, answers the candles from it on, oldest first', async () => {
    const times = await candles(`&from=${first.toISOString()}`);
    expect(times).toHaveLength(1_000);
    expect(times[0]).toBe(first.toISOString());
    const window = await candles(`&from=${first.toISOString()}&to=${new Date(first.getTime() + 3 * MINUTE).toISOString()}`);
    expect(window).toHaveLength(3);
  });

  it('refuses a from at or after to, naming from: it answered an empty list', async () => {
    const at = (minutes: number) => new Date(first.getTime() + minutes * MINUTE).toISOString();
    for (const [from, to] of [
      [at(3), at(0)],
      [at(3), at(3)],
      ['2026-11-01T01:00:00+01:00', '2026-11-01T00:00:00Z'],
    ]) {
      const response = await t.api.get(
        `/v1/candles?pair=BTC-USDT&interval=1m&from=${encodeURIComponent(from!)}&to=${encodeURIComponent(to!)}`,
      );
      expect([response.status, response.body.code, response.body.errors]).toEqual([
        400,
        'validation_failed',
        [{ path: 'from', message: 'must be before to' }],
      ]);
    }
  });
});
