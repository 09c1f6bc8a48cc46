/**
 * Timestamps the document allows but PostgreSQL cannot take as sent (year 0; a year past 9999 once in UTC) are held at
 * the bounds of the times a row can have, in every filter and period: an answer, never a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { signUpMerchant } from '../support/merchant.js';

let t: TestApp;
let merchant: { token: string };
beforeAll(async () => {
  t = await startTestApp();
  merchant = await signUpMerchant(t, 'far-instants@example.com');
});
afterAll(() => t?.close());

const YEAR_0 = encodeURIComponent('0000-01-01T00:00:00Z');
/** Year 9999 as sent, year 10000 in UTC. */
const YEAR_10000 = encodeURIComponent('9999-12-31T23:59:59-12:00');

describe('a timestamp at the edge of what the document allows', () => {
  it.each([
    ['the order history', `/v1/orders/history?from=${YEAR_0}&to=${YEAR_10000}`, 'admin'],
    ['the invoice list', `/v1/invoices?created_from=${YEAR_0}&created_to=${YEAR_10000}`, 'merchant'],
    ['the statistics', `/v1/statistics?to=${YEAR_10000}`, 'admin'],
    ['the candles', `/v1/candles?pair=BTC-USDT&interval=1d&from=${YEAR_0}&to=${YEAR_10000}`, 'admin'],
    [
      'the rate history',
      `/v1/exchange-rates/history?pair=BTC-USDT&interval=1d&from=${YEAR_0}&to=${encodeURIComponent('0000-01-02T00:00:00Z')}`,
      'admin',
    ],
  ])('filters %s', async (_, path, who) => {
    const answer = await t.api.get(path, { token: who === 'merchant' ? merchant.token : t.admin.token });
    expect(answer.status).toBeLessThan(500);
    expect(answer.status === 200 || answer.body.errors?.length > 0).toBe(true);
  });

  it('starts a report from year 0 as one from the Unix epoch, before which no row is', async () => {
    const report = await t.api.post(
      '/v1/ops/reports',
      { type: 'ledger_entries', from: '0000-01-01T00:00:00Z', to: '2020-01-01T00:00:00Z' },
      { token: t.admin.token },
    );
    expect(report.status).toBe(202);
    expect(report.body).toMatchObject({ from: '1970-01-01T00:00:00.000Z', to: '2020-01-01T00:00:00.000Z' });
  });
});
