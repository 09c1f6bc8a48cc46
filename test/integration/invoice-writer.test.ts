/**
 * The invoice writer on a real database: invoices stored together share a transaction, each with its
 * `invoice.created` event; the same Idempotency-Key twice in one batch stores one invoice; the commit notifies the
 * worker's starter (NOTIFY sluice_invoices), and every invoice waits there, not started, for the starter or the sweep.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { INVOICES_CHANNEL, InvoiceWriter } from '../../services/invoices/writer.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { newInvoice } from '../support/merchant.js';

let db: TestDatabase;
let merchant: string;

beforeAll(async () => {
  db = await createTestDatabase();
  merchant = (await insertUser(db.sql, { email: 'shop@example.com', passwordHash: 'x', role: 'merchant' }))!.id;
  await db.sql`
    insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
    values (${merchant}, 'https://shop.example/hooks', ${db.sql.array(['invoice.created'])}, 'sealed')`;
});
afterAll(() => db?.drop());

const invoice = (idempotencyKey: string | null, amount = 25_000_000n) => newInvoice(merchant, { idempotencyKey, amount });

describe('InvoiceWriter', () => {
  it('stores a burst once per key, each with its event, and notifies the starter at commit', async () => {
    const notified: string[] = [];
    const listening = await db.sql.listen(INVOICES_CHANNEL, (payload) => notified.push(payload));
    const writer = new InvoiceWriter(db.sql, new CurrencyCatalog(db.sql));
    const stored = await Promise.all([
      writer.store(invoice('order-1')),
      writer.store(invoice('order-1')),
      ...Array.from({ length: 20 }, () => writer.store(invoice(null))),
    ]);
    expect(stored.filter((s) => s.created)).toHaveLength(21);
    expect(stored[1]).toMatchObject({ created: false, invoice: { id: stored[0]!.invoice.id } });

    const ids = stored.filter((s) => s.created).map((s) => s.invoice.id);
    const events =
      await db.sql`select id, body from webhook_events where id = any(${db.sql.array(ids.map((id) => `invoice:${id}:new`))})`;
    expect(events).toHaveLength(21);
    expect(JSON.parse(events[0]!.body as string)).toMatchObject({ type: 'invoice.created', data: { amount: '25.000000' } });
    const [{ unstarted }] = (await db.sql`
      select count(*)::int as unstarted from invoices where not workflow_started`) as unknown as [{ unstarted: number }];
    expect(unstarted).toBe(21);
    await expect.poll(() => notified.length).toBeGreaterThan(0);
    await listening.unlisten();
  });
});
