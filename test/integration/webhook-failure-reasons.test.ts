/**
 * What a merchant and the operators see of deliveries an endpoint turned off did not send: through the API (PATCH
 * enabled false, the delivery's failure_reason, a redelivery refused until it is on) and in the console.
 */
import { describe, expect, it } from 'vitest';
import { seal } from '../../platform/crypto/sealed.js';
import { publishEvent } from '../../services/webhooks/client.js';
import { appWithConsoleAdmin } from '../support/console-app.js';
import { signUpMerchant } from '../support/merchant.js';

const app = appWithConsoleAdmin();

describe('a delivery not sent because its endpoint was turned off', () => {
  it('is failed with failure_reason endpoint_off, raises no alert, and is redelivered only once the endpoint is on', async () => {
    const { t, admin } = app;
    const merchant = await signUpMerchant(t, 'reasons-merchant@example.com');
    const [endpoint] = await t.db.sql`
      insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
      values (${merchant.id}, 'https://shop.example/hooks', ${['invoice.settled']}, ${seal(Buffer.alloc(32), 'whsec_test')})
      returning id`;
    await publishEvent(t.db.sql, { id: 'invoice:reasons:settled', merchantId: merchant.id, type: 'invoice.settled', data: {} });

    const off = await t.api.patch(`/v1/webhooks/endpoints/${endpoint!.id}`, { enabled: false }, { token: merchant.token });
    expect(off.status).toBe(200);
    const [delivery] = (await t.api.get('/v1/webhooks/deliveries', { token: merchant.token })).body.data;
    expect(delivery).toMatchObject({ status: 'failed', failure_reason: 'endpoint_off', attempts: 0 });
    expect(await t.db.sql`select 1 from notifications where kind = 'webhook_endpoint_failing'`).toHaveLength(0);

    const redeliver = () =>
      t.api.post(`/v1/webhooks/deliveries/${delivery.id}/redeliver`, undefined, {
        token: merchant.token,
        headers: { 'idempotency-key': 'reasons-1' },
      });
    expect((await redeliver()).body).toMatchObject({ status: 409, code: 'conflict' });
    await t.api.patch(`/v1/webhooks/endpoints/${endpoint!.id}`, { enabled: true }, { token: merchant.token });
    expect((await redeliver()).status).toBe(201);

    const list = await admin.get('/webhooks?status=failed');
    expect(list.body).toContain('failed (endpoint_off)');
    const page = await admin.get(`/webhooks/${delivery.id}`);
    expect(page.body).toContain('not sent: its endpoint was turned off or deleted');
  });
});
