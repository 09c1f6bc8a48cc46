/**
 * Merchant webhooks on the real stack: a real local HTTP server stands in for the merchant. Events are published as
 * the invoice and exchange features publish them (publishEvent in a transaction on the stack's database); the worker
 * starts their deliveries at commit. Retries until a failing merchant answers, every attempt signed and logged; a
 * settled event published twice is delivered once; rotation overlap; a final 4xx and a spent schedule end `failed`,
 * alert the operators and can be redelivered; who may see what. Then the production configuration refusing private
 * targets, by literal address and after DNS resolution.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSchema } from '../../api/webhooks/event-schemas.js';
import { publishEvent, type WebhookEventType } from '../../services/webhooks/client.js';
import { eventually } from '../support/evm.js';
import { startStack, type Stack } from '../support/stack.js';
import { verifySignature, WebhookReceiver } from '../support/webhook-receiver.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start();
});
afterAll(() => receiver?.close());

async function merchantOf(stack: Stack, email: string) {
  const merchant = await stack.api.signUp(email);
  expect(
    (await stack.api.put(`/v1/ops/users/${merchant.id}/role`, { role: 'merchant' }, { token: stack.admin.token })).status,
  ).toBe(200);
  return merchant;
}

let events = 0;
async function publish(
  stack: Stack,
  merchantId: string,
  type: WebhookEventType = 'invoice.settled',
  id = `invoice:${++events}:settled`,
) {
  // the fields every invoice event carries (services/invoices/events.ts)
  const data = {
    invoice_id: String(events),
    status: 'settled',
    currency: 'USD',
    amount: '12.50',
    order_id: `order-${events}`,
    settled_value: '12.50',
    marked: false,
    metadata: {},
  };
  await stack.db.sql.begin((tx) => publishEvent(tx, { id, merchantId, type, data }));
  return id;
}

const deliveriesOf = async (stack: Stack, token: string, eventId: string) =>
  (await stack.api.get(`/v1/webhooks/deliveries?event_id=${encodeURIComponent(eventId)}`, { token })).body.data as Array<{
    id: string;
    status: string;
    redelivery_of: string | null;
  }>;

/** Waits until the event's deliveries (as many as `count`) have all ended; returns them, newest first. */
const ended = (stack: Stack, token: string, eventId: string, count = 1) =>
  eventually(`the deliveries of ${eventId} to end`, async () => {
    const ds = await deliveriesOf(stack, token, eventId);
    return ds.length === count && ds.every((d) => d.status !== 'pending') && ds;
  });

describe('merchant webhooks (dev configuration)', () => {
  let stack: Stack;
  let shop: { id: string; token: string };

  beforeAll(async () => {
    // a short retry schedule keeps the test in seconds; the real one is held by the workflow test (time skipping)
    stack = await startStack({ env: { WEBHOOK_RETRY_SCHEDULE: '1s,1s,1s' } });
    shop = await merchantOf(stack, 'shop@example.com');
  });
  afterAll(() => stack?.stop());

  const addEndpoint = async (path: string, eventTypes: string[] = ['invoice.settled']) => {
    const created = await stack.api.post(
      '/v1/webhooks/endpoints',
      { url: receiver.url(path), event_types: eventTypes },
      { token: shop.token },
    );
    expect(created.status).toBe(201);
    return created.body as { id: string; secret: string };
  };

  it('retries a failing merchant until it answers 2xx, every attempt signed and logged, and a settled event goes out once', async () => {
    receiver.script('/flaky', (n) => (n <= 2 ? { status: 503, body: 'busy' } : { status: 200, body: 'ok' }));
    const endpoint = await addEndpoint('/flaky');
    expect(endpoint.secret).toMatch(/^whsec_/);
    const eventId = await publish(stack, shop.id);
    const [delivery] = await ended(stack, shop.token, eventId);
    expect(delivery!.status).toBe('delivered');

    const hooks = receiver.to('/flaky');
    expect(hooks).toHaveLength(3);
    for (const hook of hooks) {
      expect(verifySignature(hook.headers['sluice-signature'] as string, hook.body, endpoint.secret)).toBe(true);
      expect(verifySignature(hook.headers['sluice-signature'] as string, hook.body, 'whsec_wrong')).toBe(false);
      expect(hook.headers['sluice-event-id']).toBe(eventId);
      expect(hook.body).toBe(hooks[0]!.body); // the same bytes on every attempt
    }
    expect(hooks[1]!.at - hooks[0]!.at).toBeGreaterThanOrEqual(900);
    const event = eventSchema('invoice.settled').parse(JSON.parse(hooks[0]!.body));
    expect(Object.keys(JSON.parse(hooks[0]!.body))).toEqual(['id', 'type', 'created_at', 'data']);
    expect(event).toMatchObject({ id: eventId, type: 'invoice.settled', data: { amount: '12.50' } });

    const detail = await stack.api.get(`/v1/webhooks/deliveries/${delivery!.id}`, { token: shop.token });
    expect(detail.status).toBe(200);
    expect(detail.body.attempt_log.map((a: { status_code: number; outcome: string }) => [a.status_code, a.outcome])).toEqual([
      [503, 'retry'],
      [503, 'retry'],
      [200, 'delivered'],
    ]);
    expect(detail.body.attempt_log[0]).toMatchObject({ response_excerpt: 'busy', error: null });
    expect(detail.body.attempt_log[0].latency_ms).toBeGreaterThanOrEqual(0);
    expect(detail.body.event).toEqual(JSON.parse(hooks[0]!.body));

    // the invoice's workflow publishing "settled" again (a retried activity, a replay) sends nothing more (BTCPay #4978)
    await publish(stack, shop.id, 'invoice.settled', eventId);
    await sleep(3_000);
    expect(receiver.to('/flaky')).toHaveLength(3);
    expect(await deliveriesOf(stack, shop.token, eventId)).toHaveLength(1);
    await stack.api.delete(`/v1/webhooks/endpoints/${endpoint.id}`, { token: shop.token });
  });

  it('signs with both secrets while a rotated-out secret is valid, and with the new one alone after', async () => {
    const endpoint = await addEndpoint('/rotating', ['deposit.credited']);
    const rotated = await stack.api.post(
      `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`,
      { overlap_seconds: 3_600 },
      { token: shop.token },
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(endpoint.secret);
    expect(rotated.body.previous_secret_expires_at).not.toBeNull();
    const during = await publish(stack, shop.id, 'deposit.credited', `deposit:${++events}:credited`);
    await ended(stack, shop.token, during);
    const [overlap] = receiver.to('/rotating');
    const header = overlap!.headers['sluice-signature'] as string;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    expect(verifySignature(header, overlap!.body, rotated.body.secret)).toBe(true);
    expect(verifySignature(header, overlap!.body, endpoint.secret)).toBe(true);

    const again = await stack.api.post(
      `/v1/webhooks/endpoints/${endpoint.id}/rotate-secret`,
      { overlap_seconds: 0 },
      { token: shop.token },
    );
    const after = await publish(stack, shop.id, 'deposit.credited', `deposit:${++events}:credited`);
    await ended(stack, shop.token, after);
    const latest = receiver.to('/rotating')[1]!;
    const latestHeader = latest.headers['sluice-signature'] as string;
    expect(latestHeader).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifySignature(latestHeader, latest.body, again.body.secret)).toBe(true);
    expect(verifySignature(latestHeader, latest.body, rotated.body.secret)).toBe(false);
    await stack.api.delete(`/v1/webhooks/endpoints/${endpoint.id}`, { token: shop.token });
  });

  it('ends a delivery failed on a final 4xx or a spent schedule, alerts the operators, and redelivers it on request', async () => {
    receiver.script('/gone', (n) => (n === 1 ? { status: 410 } : { status: 200 }));
    receiver.script('/down', (n) => (n <= 4 ? { status: 500 } : { status: 204 }));
    const gone = await addEndpoint('/gone', ['withdrawal.failed']);
    const down = await addEndpoint('/down', ['withdrawal.failed']);
    const eventId = await publish(stack, shop.id, 'withdrawal.failed', `withdrawal:${++events}:failed`);
    const deliveries = await ended(stack, shop.token, eventId, 2);
    expect(deliveries.map((d) => d.status)).toEqual(['failed', 'failed']);
    expect(receiver.to('/gone')).toHaveLength(1); // a 410 is final
    expect(receiver.to('/down')).toHaveLength(4); // the first attempt and the schedule's three retries

    const failed = await stack.api.get(`/v1/ops/webhooks/deliveries?status=failed&merchant_id=${shop.id}`, {
      token: stack.admin.token,
    });
    expect(failed.body.data.map((d: { event_id: string }) => d.event_id)).toEqual([eventId, eventId]);
    const alerts = await stack.api.get('/v1/ops/alerts', { token: stack.admin.token });
    const alerted = alerts.body.data.filter((a: { kind: string }) => a.kind === 'webhook_endpoint_failing');
    expect(alerted.map((a: { body: { delivery_id: string } }) => a.body.delivery_id).sort()).toEqual(
      deliveries.map((d) => d.id).sort(),
    );

    const toDown = (await stack.api.get(`/v1/webhooks/deliveries?endpoint_id=${down.id}`, { token: shop.token })).body.data[0];
    const redeliverAs = (token: string, path: string, id: string, key?: string) =>
      stack.api.post(`${path}/${id}/redeliver`, undefined, { token, headers: key ? { 'idempotency-key': key } : {} });
    const asMerchant = (id: string, key?: string) => redeliverAs(shop.token, '/v1/webhooks/deliveries', id, key);
    const byMerchant = await asMerchant(toDown.id, 'again-1');
    expect(byMerchant.status).toBe(201);
    expect(byMerchant.body).toMatchObject({ redelivery_of: toDown.id, event_id: eventId, endpoint_id: down.id });
    // the same key again answers the same redelivery, and sends nothing more; another delivery under it is a conflict
    const repeated = await asMerchant(toDown.id, 'again-1');
    expect(repeated.status).toBe(201);
    expect(repeated.headers.get('idempotent-replayed')).toBe('true');
    expect(repeated.body.id).toBe(byMerchant.body.id);
    const toGone = (await stack.api.get(`/v1/webhooks/deliveries?endpoint_id=${gone.id}`, { token: shop.token })).body.data[0];
    expect((await asMerchant(toGone.id, 'again-1')).body.code).toBe('idempotency_conflict');
    expect((await asMerchant(toGone.id)).status).toBe(400);
    const byOperator = await redeliverAs(stack.admin.token, '/v1/ops/webhooks/deliveries', toGone.id, 'again-1');
    expect(byOperator.status).toBe(201);
    const all = await ended(stack, shop.token, eventId, 4);
    expect(all.filter((d) => d.redelivery_of !== null).map((d) => d.status)).toEqual(['delivered', 'delivered']);
    expect(receiver.to('/down').at(-1)!.body).toBe(receiver.to('/down')[0]!.body);
  });

  it('keeps endpoints and deliveries to their merchant, and names the field it refuses', async () => {
    const other = await merchantOf(stack, 'other-shop@example.com');
    const plain = await stack.api.signUp('customer@example.com');
    const endpoint = await addEndpoint('/private', ['invoice.created']);
    const eventId = await publish(stack, shop.id, 'invoice.created', `invoice:${++events}:created`);
    const [delivery] = await ended(stack, shop.token, eventId);

    expect((await stack.api.get(`/v1/webhooks/endpoints/${endpoint.id}`, { token: other.token })).status).toBe(404);
    expect((await stack.api.get(`/v1/webhooks/deliveries/${delivery!.id}`, { token: other.token })).status).toBe(404);
    expect(
      (
        await stack.api.post(`/v1/webhooks/deliveries/${delivery!.id}/redeliver`, undefined, {
          token: other.token,
          headers: { 'idempotency-key': 'foreign' },
        })
      ).status,
    ).toBe(404);
    expect((await stack.api.get('/v1/webhooks/deliveries', { token: other.token })).body.data).toEqual([]);
    expect((await stack.api.get('/v1/webhooks/endpoints', { token: plain.token })).status).toBe(403);
    expect((await stack.api.get('/v1/ops/webhooks/deliveries', { token: shop.token })).status).toBe(403);

    const badType = await stack.api.post(
      '/v1/webhooks/endpoints',
      { url: receiver.url('/x'), event_types: ['invoice.paid'] },
      { token: shop.token },
    );
    expect(badType.status).toBe(400);
    expect(badType.body.errors[0].path).toBe('event_types.0');
    const badUrl = await stack.api.post(
      '/v1/webhooks/endpoints',
      { url: 'ftp://shop.example/x', event_types: ['invoice.created'] },
      { token: shop.token },
    );
    expect(badUrl.status).toBe(400);
    expect(badUrl.body.errors).toEqual([{ path: 'url', message: 'must be an http(s) URL' }]);

    const patched = await stack.api.request(
      'PATCH',
      `/v1/webhooks/endpoints/${endpoint.id}`,
      { enabled: false },
      { token: shop.token },
    );
    expect(patched.body.enabled).toBe(false);
    const quiet = await publish(stack, shop.id, 'invoice.created', `invoice:${++events}:created`);
    expect(await deliveriesOf(stack, shop.token, quiet)).toEqual([]);

    const doc = await stack.api.get('/openapi.json');
    expect(Object.keys(doc.body.webhooks)).toContain('invoice.settled');
    expect(doc.body.components.schemas['WebhookEvent_withdrawal_succeeded'].properties.data.required).toContain('tx_hash');
  });
});

describe('merchant webhooks (production configuration)', () => {
  let stack: Stack;
  let shop: { id: string; token: string };

  beforeAll(async () => {
    stack = await startStack({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' } });
    shop = await merchantOf(stack, 'prod-shop@example.com');
  });
  afterAll(() => stack?.stop());

  it('refuses private targets: a literal address when the endpoint is stored, a name resolving to one at delivery', async () => {
    for (const [url, message] of [
      [receiver.url('/x'), 'must be an https URL'],
      ['https://127.0.0.1/x', 'must not point to a loopback address'],
      ['https://169.254.169.254/latest/meta-data', 'must not point to a link-local address'],
      ['https://[::1]/x', 'must not point to a loopback address'],
      ['https://10.0.0.7/x', 'must not point to a private address'],
    ])
      expect(
        (await stack.api.post('/v1/webhooks/endpoints', { url, event_types: ['invoice.settled'] }, { token: shop.token })).body
          .errors,
      ).toEqual([{ path: 'url', message }]);

    const byName = await stack.api.post(
      '/v1/webhooks/endpoints',
      { url: `https://localhost:${receiver.port}/rebinding`, event_types: ['invoice.settled'] },
      { token: shop.token },
    );
    expect(byName.status).toBe(201);
    const eventId = await publish(stack, shop.id);
    const [delivery] = await ended(stack, shop.token, eventId);
    expect(delivery!.status).toBe('failed');
    const detail = await stack.api.get(`/v1/webhooks/deliveries/${delivery!.id}`, { token: shop.token });
    expect(detail.body.attempt_log).toHaveLength(1);
    expect(detail.body.attempt_log[0]).toMatchObject({ outcome: 'final', status_code: null });
    expect(detail.body.attempt_log[0].error).toMatch(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address$/);
    expect(receiver.to('/rebinding')).toHaveLength(0);
  });
});
