/**
 * A merchant turns an endpoint off while deliveries to it are pending (one retrying, others waiting their turn): they
 * are marked not sent (`endpoint_off`) at once, their workflows' next attempts post nothing and raise no alert (it
 * raised `webhook_endpoint_failing` once per delivery), and they can be redelivered once the endpoint is on again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookActivities } from '../../activities/webhooks/activities.js';
import { DomainError } from '../../domain/errors.js';
import { seal } from '../../platform/crypto/sealed.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { publishEvent } from '../../services/webhooks/client.js';
import { deliveryById } from '../../services/webhooks/deliveries-store.js';
import { changeEndpoint, redeliver, removeEndpoint, type WebhookDeps } from '../../services/webhooks/service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const key = Buffer.alloc(32, 5);
const log = pino({ level: 'silent' });
let db: TestDatabase;
let server: Server;
let url: string;
let posts = 0;
let deps: WebhookDeps;

beforeAll(async () => {
  db = await createTestDatabase();
  // a merchant's server in trouble: every attempt is to be retried
  server = createServer((req, res) => {
    posts++;
    req.resume();
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  // redeliveries' workflows are started by the sweep here: no Temporal
  const temporal = {
    taskQueue: 'none',
    client: { workflow: { start: () => Promise.reject(new Error('no Temporal in this test')) } },
  } as unknown as TemporalTarget;
  deps = { sql: db.sql, temporal, log, key, allowPrivateTargets: true };
});
afterAll(async () => {
  server?.close();
  await db?.drop();
});

const activities = () => createWebhookActivities({ sql: db.sql, log, key, allowPrivateTargets: true });
const failingAlerts = () => db.sql`select 1 from notifications where kind = 'webhook_endpoint_failing'`;

/** A merchant's endpoint with three of one invoice's deliveries pending: the first retrying, two waiting their turn. */
async function endpointWithPendingDeliveries(name: string) {
  const email = `${name}@example.com`;
  const merchant = (await insertUser(db.sql, { email, passwordHash: 'x', role: 'merchant' }))!;
  const [endpoint] = await db.sql`
    insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
    values (${merchant.id}, ${url}, ${['invoice.created', 'invoice.processing', 'invoice.settled']}, ${seal(key, 'whsec_test')})
    returning id`;
  const ids: string[] = [];
  for (const state of ['created', 'processing', 'settled'] as const) {
    const event = `invoice:${name}:${state}`;
    await publishEvent(db.sql, { id: event, merchantId: merchant.id, type: `invoice.${state}`, data: {}, orderedBy: name });
    ids.push(String((await db.sql`select id from webhook_deliveries where event_id = ${event}`)[0]!.id));
  }
  expect(await activities().attemptWebhookDelivery({ deliveryId: ids[0]!, attempt: 1, retryInMs: 10_000 })).toBe('pending');
  return { merchantId: merchant.id, endpointId: String(endpoint!.id), ids };
}

describe('turning a webhook endpoint off', () => {
  it('marks its pending deliveries not sent at once, and their next attempts post nothing and raise no alert', async () => {
    const { merchantId, endpointId, ids } = await endpointWithPendingDeliveries('off');
    const postsBefore = posts;
    await changeEndpoint(deps, merchantId, endpointId, { enabled: false });
    for (const id of ids)
      expect(await deliveryById(db.sql, id)).toMatchObject({ status: 'failed', failureReason: 'endpoint_off' });

    // what their workflows (the retrying one) and first attempts would run next
    expect(await activities().attemptWebhookDelivery({ deliveryId: ids[0]!, attempt: 2, retryInMs: 60_000 })).toBe('failed');
    for (const id of ids.slice(1))
      expect(await activities().attemptWebhookDelivery({ deliveryId: id, attempt: 1, retryInMs: 10_000 })).toBe('failed');
    expect(posts).toBe(postsBefore);
    expect(await failingAlerts()).toHaveLength(0);
  });

  it('leaves a delivery on its way when it was turned off not sent, with no alert', async () => {
    const { endpointId, ids } = await endpointWithPendingDeliveries('on-its-way');
    // turned off by hand, as between an attempt's read of its target and the merchant's change
    await db.sql`update webhook_endpoints set enabled = false where id = ${endpointId}`;
    expect(await activities().attemptWebhookDelivery({ deliveryId: ids[0]!, attempt: 2, retryInMs: 60_000 })).toBe('failed');
    expect(await deliveryById(db.sql, ids[0]!)).toMatchObject({ status: 'failed', failureReason: 'endpoint_off' });
    expect(await failingAlerts()).toHaveLength(0);
  });

  it('lets them be redelivered once it is on again, not while it is off or after it is deleted', async () => {
    const { merchantId, endpointId, ids } = await endpointWithPendingDeliveries('resend');
    await changeEndpoint(deps, merchantId, endpointId, { enabled: false });
    const original = (await deliveryById(db.sql, ids[1]!))!;
    const request = { requestedBy: `merchant:${merchantId}`, idempotencyKey: 'resend-1' };
    await expect(redeliver(deps, original, request)).rejects.toThrow(
      new DomainError('conflict' as never, 'the endpoint of this delivery is turned off: turn it on, then redeliver'),
    );

    await changeEndpoint(deps, merchantId, endpointId, { enabled: true });
    const { delivery } = await redeliver(deps, original, request);
    expect(delivery).toMatchObject({ status: 'pending', redeliveryOf: original.id, failureReason: null });

    await removeEndpoint(deps, merchantId, endpointId);
    expect(await deliveryById(db.sql, delivery.id)).toMatchObject({ status: 'failed', failureReason: 'endpoint_off' });
    await expect(redeliver(deps, original, { ...request, idempotencyKey: 'resend-2' })).rejects.toThrow(/was deleted/);
  });
});
