/**
 * One invoice's events reach a merchant's endpoint in the order they were published, whatever their first attempts'
 * lanes and retries do, while other invoices' events go at once: the worker's first attempts (FirstAttempts, woken by
 * NOTIFY as the worker wakes them) against a real HTTP endpoint, with the retrying workflow's attempt made by hand.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookActivities } from '../../activities/webhooks/activities.js';
import { FirstAttempts } from '../../activities/webhooks/first-attempts.js';
import { RETRY_DELAYS_MS } from '../../domain/webhooks/delivery.js';
import { seal } from '../../platform/crypto/sealed.js';
import { markWorkflowStarted } from '../../platform/db/workflow-outbox.js';
import type { WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import { invoiceEvent } from '../../services/invoices/events.js';
import type { Invoice } from '../../services/invoices/store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { unstartedDeliveries, type DeliveryRow } from '../../services/webhooks/deliveries-store.js';
import { DELIVERIES_CHANNEL, publishEvent } from '../../services/webhooks/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const key = Buffer.alloc(32, 9);
const log = pino({ level: 'silent' });
let db: TestDatabase;
let server: Server;
let url: string;
/** Each request's event id and its answer, in the order the answers were sent. */
const answered: Array<{ event: string; status: number }> = [];
/** How the merchant answers each event's requests, in turn (then 200): slow answers make lanes overlap. */
const script = new Map<string, Array<{ status: number; delayMs: number }>>();

beforeAll(async () => {
  db = await createTestDatabase();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const event = (JSON.parse(Buffer.concat(chunks).toString()) as { id: string }).id;
      const { status, delayMs } = script.get(event)?.shift() ?? { status: 200, delayMs: 0 };
      setTimeout(() => {
        answered.push({ event, status });
        res.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  server?.close();
  await db?.drop();
});

const invoice = (id: string, merchantId: string, status: Invoice['status']) =>
  invoiceEvent(
    { id, merchantId, status, orderId: null, currency: 'USD', amount: 1000n, settledValue: null, metadata: {} } as Invoice,
    2,
  );

async function until(what: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('deliveries of one invoice', () => {
  it('go to an endpoint in the order published, each after the one before ended; other invoices do not wait', async () => {
    const merchant = (await insertUser(db.sql, { email: 'order@example.com', passwordHash: 'x', role: 'merchant' }))!;
    await db.sql`insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
                 values (${merchant.id}, ${url}, ${['invoice.processing', 'invoice.settled']}, ${seal(key, 'whsec_o')})`;
    const webhooks = createWebhookActivities({ sql: db.sql, log, key, allowPrivateTargets: true });
    const retried: string[] = [];
    const outbox: WorkflowOutbox<DeliveryRow> = {
      kind: 'webhook delivery',
      idOf: (d) => d.id,
      start: async (d) => void retried.push(d.eventId),
      markStarted: (d) => markWorkflowStarted(db.sql, 'webhook_deliveries', d.id),
      unstarted: (grace) => unstartedDeliveries(db.sql, grace),
    };
    const firstAttempts = new FirstAttempts({
      sql: db.sql,
      log,
      attempt: webhooks.attemptWebhookDelivery,
      outbox,
      retryDelaysMs: RETRY_DELAYS_MS,
    });
    const listening = await db.sql.listen(DELIVERIES_CHANNEL, () => firstAttempts.wake());

    // invoice 1's processing is answered slowly, and first with a 503: its settled event waits for it all the same
    script.set('invoice:inv-1:processing', [{ status: 503, delayMs: 300 }]);
    await publishEvent(db.sql, invoice('inv-1', merchant.id, 'processing'));
    await publishEvent(db.sql, invoice('inv-1', merchant.id, 'settled'));
    await publishEvent(db.sql, invoice('inv-2', merchant.id, 'processing'));
    await until(() => retried.length === 1 && answered.some((a) => a.event === 'invoice:inv-2:processing'));
    expect(retried).toEqual(['invoice:inv-1:processing']);
    expect(answered).toEqual([
      { event: 'invoice:inv-2:processing', status: 200 },
      { event: 'invoice:inv-1:processing', status: 503 },
    ]);
    // the sweep, too, leaves a delivery waiting for its turn
    expect((await unstartedDeliveries(db.sql, 0)).map((d) => d.eventId)).not.toContain('invoice:inv-1:settled');

    // the retrying workflow's next attempt delivers it: its end wakes the worker, which sends the settled event
    const [processing] = await db.sql`select id from webhook_deliveries where event_id = 'invoice:inv-1:processing'`;
    await webhooks.attemptWebhookDelivery({ deliveryId: String(processing!.id), attempt: 2, retryInMs: 60_000 });
    await until(() => answered.some((a) => a.event === 'invoice:inv-1:settled'));
    expect(answered.filter((a) => a.event.startsWith('invoice:inv-1:'))).toEqual([
      { event: 'invoice:inv-1:processing', status: 503 },
      { event: 'invoice:inv-1:processing', status: 200 },
      { event: 'invoice:inv-1:settled', status: 200 },
    ]);
    await listening.unlisten();
    await firstAttempts.close();
  });
});
