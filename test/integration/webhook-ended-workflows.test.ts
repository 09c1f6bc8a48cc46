/**
 * A delivery whose workflow an operator terminated in the Temporal UI: the worker's sweep fails it (`workflow_ended`)
 * with one alert, and the next delivery of its invoice, which waited for it, goes; a delivery whose workflow still
 * runs (no worker polls here) is left pending. On a real PostgreSQL and the run's Temporal dev server.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failDeliveriesWithEndedWorkflows } from '../../activities/webhooks/ended-workflows.js';
import { seal } from '../../platform/crypto/sealed.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { deliveryOutbox, publishEvent } from '../../services/webhooks/client.js';
import { claimFirstAttempt, type DeliveryRow } from '../../services/webhooks/deliveries-store.js';
import { webhookWorkflowId } from '../../workflows/webhooks/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ownNamespace } from '../support/own-namespace.js';

const log = pino({ level: 'silent' });
const taskQueue = `webhook-ended-${randomBytes(4).toString('hex')}`;

let db: TestDatabase;
let temporal: Awaited<ReturnType<typeof ownNamespace>>;
let client: Client;
let merchantId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  temporal = await ownNamespace();
  client = temporal.client;
  merchantId = (await insertUser(db.sql, { email: 'ended@example.com', passwordHash: 'x', role: 'merchant' }))!.id;
  await db.sql`insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
               values (${merchantId}, 'http://127.0.0.1:9/hooks', ${['invoice.created', 'invoice.processing']},
                       ${seal(Buffer.alloc(32, 3), 'whsec_test')})`;
});
afterAll(async () => {
  await temporal?.close();
  await db?.drop();
});

const sweep = () => failDeliveriesWithEndedWorkflows({ sql: db.sql, log, temporal: { client } });

/** An invoice's event published in order; its delivery's row. */
async function published(invoice: string, type: 'invoice.created' | 'invoice.processing'): Promise<DeliveryRow> {
  const id = `invoice:${invoice}:${type.split('.')[1]}`;
  await publishEvent(db.sql, { id, merchantId, type, data: {}, orderedBy: `invoice:${invoice}` });
  const [row] = await db.sql`select * from webhook_deliveries where event_id = ${id}`;
  return { id: row!.id, eventId: id, endpointId: row!.endpointId, merchantId, sequence: 0 };
}

/** Its first attempt failed retryably two minutes ago and its workflow was started to retry it (nobody polls it). */
async function retrying(delivery: DeliveryRow): Promise<void> {
  await db.sql`update webhook_deliveries set attempts = 1, last_status_code = 503, next_attempt_at = now() - interval '2 minutes',
                 first_attempt_lease_until = now() - interval '3 minutes' where id = ${delivery.id}`;
  const outbox = deliveryOutbox({ client, taskQueue }, db.sql);
  await outbox.start(delivery);
  await outbox.markStarted(delivery);
}

const row = async (id: string) => (await db.sql`select status, failure_reason from webhook_deliveries where id = ${id}`)[0];
const endedAlerts = () => db.sql`select body from notifications where kind = 'webhook_workflow_ended'`;

describe('a delivery whose workflow was terminated', () => {
  it('fails with one alert, and its invoice’s next delivery goes; a running workflow’s stays pending', async () => {
    const created = await published('terminated', 'invoice.created');
    const processing = await published('terminated', 'invoice.processing');
    const running = await published('running', 'invoice.created');
    await retrying(created);
    await retrying(running);
    await client.workflow.getHandle(webhookWorkflowId(created)).terminate('an operator in the Temporal UI');
    // the invoice's next event waits for the terminated one: for ever, before the sweep
    expect(await claimFirstAttempt(db.sql)).toBeNull();

    expect(await sweep()).toBe(1);
    expect(await row(created.id)).toEqual({ status: 'failed', failureReason: 'workflow_ended' });
    expect(await row(running.id)).toEqual({ status: 'pending', failureReason: null });
    const alerts = await endedAlerts();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.body).toMatchObject({ deliveries: 1, delivery_ids: [created.id] });
    expect((await claimFirstAttempt(db.sql))?.id).toBe(processing.id);

    // told once: the next sweep finds nothing more
    expect(await sweep()).toBe(0);
    expect(await endedAlerts()).toHaveLength(1);
  });
});
