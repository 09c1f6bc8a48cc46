/** One webhook attempt against a real HTTP endpoint: what the merchant answered is recorded, whatever bytes it holds. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookActivities } from '../../activities/webhooks/activities.js';
import { seal } from '../../platform/crypto/sealed.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { attemptsOf } from '../../services/webhooks/deliveries-store.js';
import { publishEvent } from '../../services/webhooks/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const key = Buffer.alloc(32, 7);
let db: TestDatabase;
let server: Server;
let url: string;
let posts = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  // a merchant whose server compresses its answers: gzip's header holds NUL bytes
  server = createServer((req, res) => {
    posts++;
    req.resume();
    res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('{"received":true}'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
});
afterAll(async () => {
  server?.close();
  await db?.drop();
});

describe('a webhook attempt', () => {
  it('records an answer holding NUL bytes, so the delivery ends delivered and is not posted again', async () => {
    const merchant = (await insertUser(db.sql, { email: 'gzip@example.com', passwordHash: 'x', role: 'merchant' }))!;
    await db.sql`insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
                 values (${merchant.id}, ${url}, ${['invoice.settled']}, ${seal(key, 'whsec_test')})`;
    await publishEvent(db.sql, { id: 'invoice:gzip:settled', merchantId: merchant.id, type: 'invoice.settled', data: {} });
    const [delivery] = await db.sql`select id from webhook_deliveries where event_id = 'invoice:gzip:settled'`;
    const deliveryId = String(delivery!.id);
    const webhooks = createWebhookActivities({ sql: db.sql, log: pino({ level: 'silent' }), key, allowPrivateTargets: true });

    expect(await webhooks.attemptWebhookDelivery({ deliveryId, attempt: 1, retryInMs: 10_000 })).toBe('delivered');
    // the activity run again (a retry of the workflow's) finds the attempt recorded and posts nothing
    expect(await webhooks.attemptWebhookDelivery({ deliveryId, attempt: 1, retryInMs: 10_000 })).toBe('delivered');
    expect(posts).toBe(1);
    const [attempt] = await attemptsOf(db.sql, deliveryId);
    expect(attempt).toMatchObject({ statusCode: 200, outcome: 'delivered' });
    expect(attempt!.responseExcerpt).not.toContain('\0');
  });
});
