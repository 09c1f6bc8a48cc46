import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuditActivities } from '../../activities/audit/activities.js';
import { createReportActivities } from '../../activities/reports/activities.js';
import { createWebhookActivities } from '../../activities/webhooks/activities.js';
import { depositWorkflowId } from '../../domain/deposits/credit.js';
import { ALERT_EVENTS, TEMPLATE_EVENTS, USER_EVENTS } from '../../domain/notifications/events.js';
import { creditDeposit, recordDeposit } from '../../services/deposits/store.js';
import { publishInvoiceEvent } from '../../services/invoices/events.js';
import { invoiceById } from '../../services/invoices/store.js';
import { dispatchNotifications } from '../../services/notifications/dispatcher.js';
import { notificationEvent, sampleEvent } from '../../services/notifications/render.js';
import {
  markRead,
  notificationById,
  notificationsFor,
  notify,
  notifyMany,
  type Notification,
} from '../../services/notifications/store.js';
import { listTemplates } from '../../services/notifications/templates-store.js';
import { insertReport, markReportDone } from '../../services/reports/store.js';
import { rememberSignInIp } from '../../services/users-auth/sign-in-ips.js';
import { publishEvent } from '../../services/webhooks/client.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { seal } from '../../platform/crypto/sealed.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { withdrawalActivities } from '../support/withdrawal-activities.js';
import { insertUsdtInvoice } from '../support/merchant.js';
import { expectRendersItsTemplates, renderDefaultTemplates } from '../support/notification-templates.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db.drop());

describe('notifications', () => {
  it("records each key once and lists users' and operators' separately", async () => {
    const user = (await insertUser(db.sql, { email: 'n@example.com', passwordHash: 'x', role: 'user' }))!;
    const first = await notify(db.sql, {
      key: 'bet:1:settled',
      userId: user.id,
      kind: 'bet_settled',
      title: 'Your bet won',
      body: { payout: '18.50' },
    });
    const again = await notify(db.sql, { key: 'bet:1:settled', userId: user.id, kind: 'bet_settled', title: 'changed' });
    expect(again).toMatchObject({ id: first.id, title: 'Your bet won' });
    await notify(db.sql, {
      key: 'gas-keeper:low:1',
      userId: null,
      kind: 'gas_keeper_low',
      severity: 'critical',
      title: 'Gas keeper low',
    });

    expect((await notificationsFor(db.sql, user.id, { limit: 10 })).map((n) => n.key)).toEqual(['bet:1:settled']);
    expect((await notificationsFor(db.sql, null, { limit: 10 })).map((n) => n.severity)).toEqual(['critical']);
    expect(await markRead(db.sql, user.id, first.id)).toBe(true);
    expect((await notificationsFor(db.sql, user.id, { limit: 10 }))[0]!.readAt).not.toBeNull();
  });

  it('queues each notification once for the dispatcher, which empties the queue, also of notifications gone with their user', async () => {
    const [kept, leaving] = await Promise.all(
      ['kept@example.com', 'leaving@example.com'].map(
        async (email) => (await insertUser(db.sql, { email, passwordHash: 'x', role: 'user' }))!,
      ),
    );
    const filled = (userId: string, order: string) => ({
      key: `order:${order}:filled`,
      userId,
      kind: 'order_filled',
      title: 'Order filled',
    });
    await db.sql`delete from notifications_outbox`;
    await notify(db.sql, filled(kept!.id, '1'));
    await notifyMany(db.sql, [filled(kept!.id, '1'), filled(kept!.id, '2'), filled(leaving!.id, '3')]);
    await notify(db.sql, filled(kept!.id, '2'));
    const queued = await db.sql`
      select n.key from notifications_outbox o join notifications n on n.id = o.notification_id order by n.key`;
    expect(queued.map((r) => r.key)).toEqual(['order:1:filled', 'order:2:filled', 'order:3:filled']);
    await db.sql`delete from users where id = ${leaving!.id}`;

    // order_filled routes nowhere by default: nothing is sent and no delivery workflow is started (the client never connects)
    const log = pino({ level: 'silent' });
    const deps = {
      sql: db.sql,
      temporal: { client: new Client(), taskQueue: 'unused' },
      log,
      retry: { maximumAttempts: 3, initialIntervalMs: 1_000 },
      delivery: { sql: db.sql, log, mailer: null, telegram: null },
    };
    expect(await dispatchNotifications(deps)).toBe(3);
    expect(await db.sql`select * from notifications_outbox`).toEqual([]);
    expect(await dispatchNotifications(deps)).toBe(0);
  });
});

/**
 * The default templates (as the migrations leave them) against the events they render: each type's sample, and what
 * each kind's own code records (the kinds recorded deep in a feature's flow are checked in that feature's test with
 * the same helper: order_filled and order_refused in exchange.test.ts, trigger_failed in trigger-refused.test.ts,
 * bet_settled in betting.test.ts; the workflows' gas_keeper_low and reconciliation_drift against their sample's fields).
 */
describe('default templates', () => {
  const log = pino({ level: 'silent' });
  const newUser = async (role: 'user' | 'merchant' = 'user') =>
    (await insertUser(db.sql, { email: `${randomUUID()}@example.com`, passwordHash: 'x', role }))!.id;
  const recorded = async (key: string): Promise<Notification> => {
    const [row] = await db.sql`select id from notifications where key = ${key}`;
    expect(row, `notification ${key}`).toBeDefined();
    return (await notificationById(db.sql, String(row!.id)))!;
  };

  it("exist for every channel a type is delivered on, and render the type's sample with no placeholder blank", async () => {
    const templates = await listTemplates(db.sql);
    for (const t of templates) expect(TEMPLATE_EVENTS).toContain(t.eventType);
    const channelsOf = (type: string) => templates.filter((t) => t.eventType === type).map((t) => t.channel);
    for (const type of USER_EVENTS) expect(channelsOf(type), type).toEqual(expect.arrayContaining(['email', 'telegram']));
    for (const type of ALERT_EVENTS) expect(channelsOf(type), type).toEqual(expect.arrayContaining(['slack', 'telegram']));
    for (const type of TEMPLATE_EVENTS)
      for (const { channel, blank } of await renderDefaultTemplates(db.sql, type, sampleEvent(type)))
        expect(blank, `${type} ${channel}`).toEqual([]);
  });

  it('render a credited deposit, a paid invoice and a sign-in from a new address as their code records them', async () => {
    const userId = await newUser();
    const deposit = await recordDeposit(db.sql, {
      userId,
      currency: 'XRP',
      amount: 25_000_000n,
      chain: 'xrpl',
      txHash: 'CC',
      eventIndex: 0,
      address: 'rDEPOSIT',
      destinationTag: 42n,
      workflowId: depositWorkflowId('xrpl', 'CC', 0),
    });
    await creditDeposit(db.sql, deposit.id);
    await expectRendersItsTemplates(db.sql, await recorded(`${deposit.workflowId}:credited`));

    const merchantId = await newUser('merchant');
    const invoiceId = await insertUsdtInvoice(db.sql, {
      merchantId,
      acceptedCurrencies: ['USDT'],
      expiresAt: new Date(Date.now() + 3_600_000),
      monitoringUntil: new Date(Date.now() + 7_200_000),
    });
    const invoice = (await invoiceById(db.sql, invoiceId))!;
    await db.sql.begin((tx) =>
      publishInvoiceEvent(tx, { ...invoice, status: 'settled', settledValue: 100_000_000n, fee: 1_000_000n }),
    );
    const paid = await recorded(`invoice:${invoiceId}:settled`);
    await expectRendersItsTemplates(db.sql, paid);
    // each channel says what was paid and what the merchant was credited after the invoice fee
    for (const { channel, rendered } of await renderDefaultTemplates(db.sql, 'invoice_paid', notificationEvent(paid))) {
      const text = rendered.body.replaceAll('\\', ''); // Telegram's escapes: 100\.000000
      expect(text, channel).toContain('100.000000 USDT paid');
      expect(text, channel).toContain('99.000000 USDT credited');
    }

    await rememberSignInIp(db.sql, userId, { ip: '203.0.113.7' });
    await rememberSignInIp(db.sql, userId, { ip: '203.0.113.8' });
    await expectRendersItsTemplates(db.sql, await recorded(`login-new-ip:${userId}:203.0.113.8`));
  });

  it('render an audit that found drift and a finished report as their code records them', async () => {
    const auditId = randomUUID();
    await createAuditActivities({ sql: db.sql, log }).recordAudit({
      id: auditId,
      workflowId: `ledger-audit:${auditId}`,
      trigger: 'manual',
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      ok: false,
      accountsChecked: 1,
      transfersChecked: 0,
      currencies: [{ currency: 'EUR', accounts: 1, postedSum: '7', pendingDebits: '0', pendingCredits: '0', balanced: false }],
      drifts: [{ account: 'user:a', currency: 'EUR', field: 'debitsPosted', stored: '7', journal: '0' }],
    });
    await expectRendersItsTemplates(db.sql, await recorded(`audit:${auditId}:drift`));

    const reportId = randomUUID();
    await insertReport(db.sql, {
      id: reportId,
      type: 'ledger_entries',
      format: 'csv',
      period: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' },
      workflowId: `report:${reportId}`,
      emailTo: null,
    });
    await markReportDone(db.sql, reportId, { rows: 12, bytes: 1_024 });
    await createReportActivities({ sql: db.sql, log, mailer: null, publicUrl: 'https://sluice.example' }).announceReport({
      id: reportId,
    });
    await expectRendersItsTemplates(db.sql, await recorded(`report:${reportId}:ready`));
  });

  it("render a webhook endpoint's failure with the error of a last attempt that got no answer", async () => {
    const merchantId = await newUser('merchant');
    await db.sql`
      insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
      values (${merchantId}, 'https://127.0.0.1/hooks', ${['invoice.settled']}, ${seal(Buffer.alloc(32), 'whsec_test')})`;
    const eventId = `invoice:${randomUUID()}:settled`;
    await publishEvent(db.sql, { id: eventId, merchantId, type: 'invoice.settled', data: {} });
    const [delivery] = await db.sql`select id from webhook_deliveries where event_id = ${eventId}`;
    // a loopback address, refused before anything is posted: the attempt records an error and no status (an
    // endpoint turned off raises no alert at all)
    const webhooks = createWebhookActivities({ sql: db.sql, log, key: Buffer.alloc(32), allowPrivateTargets: false });
    const deliveryId = String(delivery!.id);
    expect(await webhooks.attemptWebhookDelivery({ deliveryId, attempt: 1, retryInMs: null })).toBe('failed');
    const failing = await recorded(`webhook-delivery:${deliveryId}:failed`);
    expect(failing.body).toMatchObject({ last_status: null, last_error: expect.stringContaining('127.0.0.1') });
    await expectRendersItsTemplates(db.sql, failing);
  });

  it("render a withdrawal's end and its wait for an operator's approval as their code records them", async () => {
    const withdrawals = withdrawalActivities(db.sql);
    const [row] = await db.sql`
      insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, destination_tag, status,
                               approval_required, approval_reasons, counters)
      values (${await newUser()}, 'w1', 'XRP', 12500000, 100000, 'rDESTINATION', 7, 'queued', true,
              ${['new_address', 'amount']}, '[]')
      returning id`;
    const id = String(row!.id);
    await withdrawals.recordWithdrawalStatus({ id, status: 'awaiting_approval' });
    await expectRendersItsTemplates(db.sql, await recorded(`withdrawal:${id}:awaiting_approval`));
    await withdrawals.notifyWithdrawal({ id, event: 'rejected' });
    await expectRendersItsTemplates(db.sql, await recorded(`withdrawal:${id}:rejected`));
  });
});

describe('the dispatcher on several worker processes', () => {
  it('sends a notice once, and leaves one whose send failed to be retried, not marked uncertain by the other', async () => {
    const user = (await insertUser(db.sql, { email: 'twice@example.com', passwordHash: 'x', role: 'user' }))!;
    await db.sql`delete from notifications_outbox`;
    const { kind: _kind, title, ...body } = sampleEvent('login_new_ip');
    await notify(db.sql, { key: `login:${randomUUID()}`, userId: user.id, kind: 'login_new_ip', title: title as string, body });
    // a mail server slow to answer, then refusing for now: the first process's send is in flight while the other runs
    let release!: () => void;
    const answered = new Promise<void>((resolve) => (release = resolve));
    const sent: string[] = [];
    const mailer = {
      async send(message: { to: string }) {
        sent.push(message.to);
        await answered;
        throw new Error('451 try again later');
      },
      close() {},
    };
    const log = pino({ level: 'silent' });
    const starts: string[] = [];
    const temporal = {
      client: {
        workflow: { start: async (_type: unknown, options: { workflowId: string }) => void starts.push(options.workflowId) },
      },
      taskQueue: 'unused',
    } as unknown as TemporalTarget;
    const worker = () =>
      dispatchNotifications({
        sql: db.sql,
        temporal,
        log,
        retry: { maximumAttempts: 3, initialIntervalMs: 1_000 },
        delivery: { sql: db.sql, log, mailer, telegram: null },
      });
    const first = worker();
    await expect.poll(() => sent.length).toBe(1);
    const second = worker();
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    await Promise.all([first, second]);

    expect(sent).toEqual(['twice@example.com']);
    const [delivery] = await db.sql`select status from notification_deliveries where user_id = ${user.id}`;
    expect(delivery!.status).toBe('pending'); // its retry's, which the delivery workflow makes
    expect(starts).toHaveLength(1);
  });
});
