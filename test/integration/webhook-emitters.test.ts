/**
 * Withdrawals and deposits publish their merchant webhooks in the transaction that records the outcome (a deposit
 * credited by the listener or by an operator alike), and what they publish matches the event type's schema in the
 * OpenAPI document (so no field vanishes unnoticed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWithdrawalActivities } from '../../activities/withdrawals/activities.js';
import { eventSchema } from '../../api/webhooks/event-schemas.js';
import { depositWorkflowId } from '../../domain/deposits/credit.js';
import type { WebhookEventType } from '../../domain/webhooks/events.js';
import { creditDeposit, creditHeldDeposit, recordDeposit } from '../../services/deposits/store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { insertUsdtInvoice } from '../support/merchant.js';
import { withdrawalActivities } from '../support/withdrawal-activities.js';

let db: TestDatabase;
let merchantId: string;
let customerId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  merchantId = (await insertUser(db.sql, { email: 'shop@example.com', passwordHash: 'x', role: 'merchant' }))!.id;
  customerId = (await insertUser(db.sql, { email: 'customer@example.com', passwordHash: 'x', role: 'user' }))!.id;
  await db.sql`insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
               values (${merchantId}, 'https://shop.example/hooks', ${['withdrawal.succeeded', 'withdrawal.failed', 'deposit.credited']}, 'sealed')`;
});
afterAll(() => db.drop());

async function published(id: string, type: WebhookEventType) {
  const [row] = await db.sql`select body from webhook_events where id = ${id}`;
  expect(row, `event ${id}`).toBeDefined();
  return eventSchema(type)
    .strict()
    .parse(JSON.parse(row!.body as string));
}

async function withdrawal(userId: string, key: string) {
  const [row] = await db.sql`
    insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, destination_tag, status, approval_required, counters)
    values (${userId}, ${key}, 'XRP', 12500000, 100000, 'rDESTINATION', 7, 'broadcast', false, '[]')
    returning id`;
  return row!.id as string;
}

describe('webhook emitters', () => {
  const record = (change: Parameters<ReturnType<typeof createWithdrawalActivities>['recordWithdrawalStatus']>[0]) =>
    withdrawalActivities(db.sql).recordWithdrawalStatus(change);

  it('a paid withdrawal publishes withdrawal.succeeded with its amounts as decimals, once', async () => {
    const id = await withdrawal(merchantId, 'w1');
    await record({ id, status: 'succeeded', txHash: 'ABCDEF', detail: { txHash: 'ABCDEF' } });
    await record({ id, status: 'succeeded', txHash: 'ABCDEF', detail: { txHash: 'ABCDEF' } });
    const event = await published(`withdrawal:${id}:succeeded`, 'withdrawal.succeeded');
    expect(event.data).toEqual({
      withdrawal_id: id,
      status: 'succeeded',
      currency: 'XRP',
      amount: '12.500000',
      fee: '0.100000',
      address: 'rDESTINATION',
      destination_tag: '7',
      tx_hash: 'ABCDEF',
      reason: null,
    });
    expect(await db.sql`select * from webhook_deliveries where event_id = ${event.id}`).toHaveLength(1);
  });

  it('a withdrawal that ends unpaid publishes withdrawal.failed with its reason; an operator close names its outcome', async () => {
    const rejected = await withdrawal(merchantId, 'w2');
    await record({ id: rejected, status: 'rejected', detail: { reason: 'address on a sanctions list' } });
    expect((await published(`withdrawal:${rejected}:failed`, 'withdrawal.failed')).data).toMatchObject({
      status: 'rejected',
      reason: 'address on a sanctions list',
    });
    const closed = await withdrawal(merchantId, 'w3');
    await record({ id: closed, status: 'closed', detail: { outcome: 'succeeded', note: 'paid by hand' } });
    expect((await published(`withdrawal:${closed}:succeeded`, 'withdrawal.succeeded')).data).toMatchObject({
      status: 'closed',
      reason: 'paid by hand',
    });
    const queued = await withdrawal(merchantId, 'w4');
    await record({ id: queued, status: 'queued' });
    expect(await db.sql`select id from webhook_events where id like ${`withdrawal:${queued}:%`}`).toHaveLength(0);
  });

  it('a credited deposit publishes deposit.credited; a user without endpoints gets nothing stored', async () => {
    const seen = (userId: string, txHash: string) => ({
      userId,
      currency: 'XRP',
      amount: 25_000_000n,
      chain: 'xrpl',
      txHash,
      eventIndex: 0,
      address: 'rDEPOSIT',
      destinationTag: 42n,
      workflowId: depositWorkflowId('xrpl', txHash, 0),
    });
    const toShop = await recordDeposit(db.sql, seen(merchantId, 'AA'));
    await creditDeposit(db.sql, toShop.id);
    expect((await published(`deposit:${toShop.id}:credited`, 'deposit.credited')).data).toEqual({
      deposit_id: toShop.id,
      currency: 'XRP',
      amount: '25.000000',
      chain: 'xrpl',
      address: 'rDEPOSIT',
      destination_tag: '42',
      tx_hash: 'AA',
    });
    const toCustomer = await recordDeposit(db.sql, seen(customerId, 'BB'));
    await creditDeposit(db.sql, toCustomer.id);
    expect(await db.sql`select id from webhook_events where id = ${`deposit:${toCustomer.id}:credited`}`).toHaveLength(0);

    // one an operator credits from hold is announced as the listener's credits are: the webhook and the owner's notice
    const held = await recordDeposit(db.sql, seen(merchantId, 'CC'));
    await db.sql`update deposits set status = 'held', hold_reason = 'above_maximum' where id = ${held.id}`;
    expect(await creditHeldDeposit(db.sql, held.id, customerId)).toMatchObject({ ok: true });
    expect((await published(`deposit:${held.id}:credited`, 'deposit.credited')).data).toMatchObject({
      deposit_id: held.id,
      amount: '25.000000',
      tx_hash: 'CC',
    });
    expect(await db.sql`select kind, user_id from notifications where key = ${`${held.workflowId}:credited`}`).toEqual([
      { kind: 'deposit_credited', userId: merchantId },
    ]);
  });

  it("a payment to a merchant's invoice publishes no deposit.credited: its money is the invoice's, which announces it", async () => {
    const expiresAt = new Date(Date.now() + 900_000);
    const invoiceId = await insertUsdtInvoice(db.sql, {
      merchantId,
      acceptedCurrencies: ['USDT'],
      expiresAt,
      monitoringUntil: new Date(expiresAt.getTime() + 3_600_000),
    });
    const txHash = `0x${'dd'.repeat(32)}`;
    const paid = await recordDeposit(db.sql, {
      userId: merchantId,
      currency: 'USDT',
      amount: 100_000_000n,
      chain: 'evm-31337',
      txHash,
      eventIndex: 0,
      address: '0x00000000000000000000000000000000000000aa',
      workflowId: depositWorkflowId('evm-31337', txHash, 0),
      invoiceId,
    });
    expect(await creditDeposit(db.sql, paid.id)).toMatchObject({ ok: true });
    expect(await db.sql`select id from webhook_events where id = ${`deposit:${paid.id}:credited`}`).toHaveLength(0);
  });
});
