import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishEvent, publishEvents } from '../../services/webhooks/client.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

async function merchantWithEndpoints(email: string, endpoints: Array<{ types: string[]; enabled?: boolean }>) {
  const merchant = (await insertUser(db.sql, { email, passwordHash: 'x', role: 'merchant' }))!;
  for (const e of endpoints)
    await db.sql`insert into webhook_endpoints (merchant_id, url, event_types, enabled, secret_sealed)
                 values (${merchant.id}, 'https://merchant.example/hook', ${e.types}, ${e.enabled ?? true}, 'sealed')`;
  return merchant.id;
}

describe('publishing a webhook event', () => {
  it("stores one delivery per enabled endpoint subscribed to the type, once per event id, in the caller's transaction", async () => {
    const merchantId = await merchantWithEndpoints('m1@example.com', [
      { types: ['invoice.settled', 'invoice.expired'] },
      { types: ['invoice.settled'] },
      { types: ['invoice.settled'], enabled: false },
      { types: ['withdrawal.failed'] },
    ]);
    const event = { id: 'invoice:1:settled', merchantId, type: 'invoice.settled' as const, data: { invoice_id: '1' } };

    await expect(
      db.sql.begin(async (tx) => {
        await publishEvent(tx, event);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await db.sql`select * from webhook_events`).toHaveLength(0);

    expect(await db.sql.begin((tx) => publishEvent(tx, event))).toBe(2);
    expect(await db.sql.begin((tx) => publishEvent(tx, event))).toBe(0);
    const [stored] = await db.sql`select body from webhook_events where id = ${event.id}`;
    const body = JSON.parse(stored!.body as string);
    expect(Object.keys(body)).toEqual(['id', 'type', 'created_at', 'data']);
    expect(body).toMatchObject({ id: 'invoice:1:settled', type: 'invoice.settled', data: { invoice_id: '1' } });
    expect(await db.sql`select * from webhook_deliveries where not workflow_started`).toHaveLength(2);
  });

  it('stores nothing for a user without endpoints, and takes a batch in one call', async () => {
    const merchantId = await merchantWithEndpoints('m2@example.com', [{ types: ['deposit.credited'] }]);
    const plain = await merchantWithEndpoints('u2@example.com', []);
    const stored = await publishEvents(db.sql, [
      { id: 'deposit:1:credited', merchantId, type: 'deposit.credited', data: {} },
      { id: 'deposit:2:credited', merchantId: plain, type: 'deposit.credited', data: {} },
    ]);
    expect(stored).toBe(1);
    expect(await db.sql`select id from webhook_events where id = 'deposit:2:credited'`).toHaveLength(0);
  });

  it('refuses an id that is not a business key', async () => {
    const merchantId = await merchantWithEndpoints('m3@example.com', []);
    await expect(publishEvent(db.sql, { id: 'has spaces', merchantId, type: 'deposit.credited', data: {} })).rejects.toThrow(
      /business key/,
    );
  });
});
