/**
 * A merchant's invoices, page by page, on their own list and in the order history: every one exactly once, whatever
 * their creation times share. Cursors carry created_at to the microsecond, and it must reach SQL so.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { signUpMerchant } from '../support/merchant.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t?.close());

/** Five invoices stored with one microsecond created_at, as those stored before the service set it (their batch's now()). */
async function invoicesOfOneMicrosecond(email: string) {
  const merchant = await signUpMerchant(t, email);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const created = await t.api.post('/v1/invoices', { amount: '10.00', currency: 'USD' }, { token: merchant.token });
    expect(created.status).toBe(201);
    ids.push(created.body.id);
  }
  await t.db.sql`update invoices set created_at = '2026-11-30 12:00:00.123456+00' where id = any(${ids}::uuid[])`;
  return { merchant, ids };
}

/** Every id of every page of `path`, two at a time. */
async function allPages(path: string, token: string, idOf: (row: { id: string }) => string): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${cursor}` : '';
    const page = await t.api.get(`${path}${path.includes('?') ? '&' : '?'}limit=2${query}`, { token });
    expect(page.status).toBe(200);
    seen.push(...page.body.data.map(idOf));
    cursor = page.body.next_cursor;
  } while (cursor);
  return seen.sort();
}

const cursorOf = (position: string) => Buffer.from(JSON.stringify({ p: position })).toString('base64url');

describe('pages of invoices', () => {
  it('GET /v1/invoices skips none of a page boundary’s microsecond', async () => {
    const { merchant, ids } = await invoicesOfOneMicrosecond('pages-merchant@example.com');
    expect(await allPages('/v1/invoices', merchant.token, (i) => i.id)).toEqual([...ids].sort());
  });

  it('GET /v1/orders/history skips none of them either', async () => {
    const { merchant, ids } = await invoicesOfOneMicrosecond('pages-history@example.com');
    const listed = await allPages('/v1/orders/history?type=invoice', merchant.token, (o) => o.id);
    expect(listed).toEqual(ids.map((id) => `inv_${id}`).sort());
  });

  it('refuses a cursor whose time is not a real one, naming cursor, before it reaches SQL', async () => {
    const merchant = await signUpMerchant(t, 'pages-cursor@example.com');
    const uuid = '00000000-0000-0000-0000-000000000000';
    for (const path of [
      `/v1/invoices?cursor=${cursorOf(`2026-02-30T00:00:00.000001Z|${uuid}`)}`,
      `/v1/orders/history?cursor=${cursorOf(`2026-02-30T00:00:00.000001Z inv_${uuid}`)}`,
      `/v1/orders/history?cursor=${cursorOf(`2026-13-45T99:00:00.000001Z inv_${uuid}`)}`,
    ]) {
      const page = await t.api.get(path, { token: merchant.token });
      expect(page.status, path).toBe(400);
      expect(page.body.errors.map((e: { path: string }) => e.path)).toContain('cursor');
    }
  });
});
