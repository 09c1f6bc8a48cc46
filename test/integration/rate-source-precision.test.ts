/**
 * A static price is kept exactly as the operator gave it, to every digit the document allows (40 on either side of
 * the point): it was stored rounded to 30 decimals, so the largest was read back with 41 whole digits and the smallest
 * as 0, both a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

describe("a static price's digits", () => {
  it.each([
    ['the largest', `${'9'.repeat(40)}.${'9'.repeat(40)}`],
    ['the smallest', `0.${'0'.repeat(39)}1`],
  ])('keep %s price as given', async (_, rate) => {
    const saved = await t.api.put('/v1/ops/pairs/BTC-USDT/rate-source', { kind: 'static', rate }, { token: t.admin.token });
    expect(saved.status).toBe(200);
    expect(saved.body.rate).toBe(rate);
  });
});
