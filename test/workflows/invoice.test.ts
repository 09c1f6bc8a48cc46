/**
 * The invoice workflow on the time-skipping server with its real activities against a test database: every state
 * and exception, settlement only once a deposit is final, an operator's marks, the price locked across a rate change,
 * each state's webhook event published once, and long runs continuing as new (marks at the boundary: in
 * invoice-continue-as-new.test.ts). RECORD_HISTORIES=1 records the replay test's invoice-continues-as-new.json;
 * invoice.json is the same test's first run recorded before the change, which never continued as new. The test of parts
 * in another currency records invoice-values-currency-totals.json; invoice-valued-part-by-part.json is the same test
 * recorded with the workflow's rule before that patch (it waits, a unit short, after the second part).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvoiceActivities } from '../../activities/invoices/activities.js';
import { eventSchema } from '../../api/webhooks/event-schemas.js';
import { balanceView, userAccountName } from '../../domain/ledger/engine.js';
import { invoiceAccount } from '../../domain/invoices/ledger.js';
import { parsePrice } from '../../domain/invoices/conversion.js';
import type { InvoiceStatus } from '../../domain/invoices/status.js';
import { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { recordDeposit } from '../../services/deposits/store.js';
import { checkout, payFromBalance, type InvoiceDeps } from '../../services/invoices/service.js';
import { InvoiceWriter } from '../../services/invoices/writer.js';
import type { PriceSource } from '../../services/invoices/pricing.js';
import { paymentsOf } from '../../services/invoices/payments-store.js';
import { invoiceById } from '../../services/invoices/store.js';
import { recordInvoiceStep } from '../../services/invoices/lifecycle.js';
import { insertUsdtInvoice } from '../support/merchant.js';
import { balanceOf } from '../../services/ledger/queries.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { MerchantId, SluiceKind } from '../../platform/temporal/search-attributes.js';
import {
  invoicePaymentSignal,
  invoiceProgressQuery,
  invoiceWorkflowId,
  markInvoiceUpdate,
  type InvoiceInput,
} from '../../workflows/invoices/messages.js';
import { invoiceWorkflow } from '../../workflows/invoices/workflow.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fundedUser } from '../support/funded-user.js';
import { recordHistory, runsOf, timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

const TASK_QUEUE = 'invoice-test';
const CHAIN = 'evm-31337';
const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
const MINUTE = 60_000;

/** Prices an operator would set: the rates feature's current rate, changeable mid-test. */
class SetPrices implements PriceSource {
  readonly prices = new Map<string, string>([['ETH/USDT', '2000']]);
  async priceOf(currency: string, inCurrency: string) {
    const text = this.prices.get(`${currency}/${inCurrency}`)!;
    return { price: parsePrice(text)!, text };
  }
}

let env: TestWorkflowEnvironment;
let db: TestDatabase;
let merchant: string;
let operator: string;
let deps: InvoiceDeps;
const prices = new SetPrices();

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnvironment(), createTestDatabase()]);
  merchant = (await insertUser(db.sql, { email: 'shop@example.com', passwordHash: 'x', role: 'merchant' }))!.id;
  operator = (await insertUser(db.sql, { email: 'ops@example.com', passwordHash: 'x', role: 'operator' }))!.id;
  // every invoice event the merchant can subscribe to, so each published one is stored
  await db.sql`
    insert into webhook_endpoints (merchant_id, url, event_types, secret_sealed)
    values (${merchant}, 'https://shop.example/hooks', ${db.sql.array(['invoice.created', 'invoice.processing', 'invoice.settled', 'invoice.expired', 'invoice.invalid', 'invoice.paid_late', 'invoice.paid_over'])}, 'sealed')`;
  deps = {
    sql: db.sql,
    temporal: { client: env.client, taskQueue: TASK_QUEUE },
    log,
    currencies: new CurrencyCatalog(db.sql),
    prices,
    settings: {
      feePpm: 10_000n,
      conversionFeePpm: 5_000n,
      monitoringWindowMs: 60 * MINUTE,
      minUsd: 1n,
      maxUsd: 10n ** 9n,
      publicUrl: 'https://sluice.example',
    },
    destinations: {},
    writer: new InvoiceWriter(db.sql, new CurrencyCatalog(db.sql)),
  };
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

const newWorker = (activities = createInvoiceActivities({ ...deps })) =>
  Worker.create({
    connection: env.nativeConnection,
    taskQueue: TASK_QUEUE,
    workflowBundle: workflowBundle(),
    activities,
  });

/**
 * The invoice's activities with `payment` committed right after the workflow's second look has read the invoice:
 * with a poll longer than its life, that is the look at the deadline, so the payment lands between the read that
 * finds nothing paid and the recording of what that read implies.
 */
function payingAfterTheDeadlineRead(payment: () => Promise<unknown>) {
  const activities = createInvoiceActivities({ ...deps });
  let looks = 0;
  return {
    ...activities,
    async reviewInvoice(invoiceId: string) {
      const facts = await activities.reviewInvoice(invoiceId);
      if (++looks === 2) await payment();
      return facts;
    },
  };
}

/** A 100 USDT invoice accepting USDT and ETH, expiring 15 minutes after the test server's clock. */
async function newInvoice(): Promise<string> {
  const now = await env.currentTimeMs();
  const expiresAt = new Date(now + 15 * MINUTE);
  return insertUsdtInvoice(db.sql, {
    merchantId: merchant,
    acceptedCurrencies: ['USDT', 'ETH'],
    expiresAt,
    monitoringUntil: new Date(expiresAt.getTime() + 60 * MINUTE),
  });
}

const start = (invoiceId: string, input: Partial<InvoiceInput> = {}) =>
  env.client.workflow.start(invoiceWorkflow, {
    taskQueue: TASK_QUEUE,
    workflowId: invoiceWorkflowId(invoiceId),
    args: [{ invoiceId, lateWindowMs: 30 * MINUTE, ...input }],
    typedSearchAttributes: [{ key: SluiceKind, value: 'invoice' }],
  });

async function waitForStatus(invoiceId: string, status: InvoiceStatus): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if ((await invoiceById(db.sql, invoiceId))!.status === status) return;
    await sleep(50);
  }
  throw new Error(`invoice ${invoiceId} never reached ${status}; it is ${(await invoiceById(db.sql, invoiceId))!.status}`);
}

let txs = 0;
/** A deposit to the invoice's address as the EVM listener records it: seen, not yet confirmed. */
async function depositSeen(invoiceId: string, currency: string, amount: bigint, detectedAt?: Date): Promise<string> {
  const tx = `0x${(++txs).toString(16).padStart(64, '0')}`;
  const deposit = await recordDeposit(db.sql, {
    userId: merchant,
    currency,
    amount,
    chain: CHAIN,
    txHash: tx,
    eventIndex: 0,
    address: '0x00000000000000000000000000000000000000aa',
    workflowId: `deposit:${CHAIN}:${tx}:0`,
    invoiceId,
  });
  if (detectedAt) await db.sql`update deposits set detected_at = ${detectedAt} where id = ${deposit.id}`;
  await db.sql`
    insert into evm_deposit_observations (deposit_id, chain, from_address, block_number, block_hash)
    values (${deposit.id}, ${CHAIN}, '0x00000000000000000000000000000000000000bb', 1, ${tx})`;
  return deposit.id;
}

/**
 * A confirmed USDT payment detected at `at`, after the invoice's workflow ended: the listener's signal starts it again,
 * and its status once it has read the payment is returned.
 */
async function payLate(invoiceId: string, amount: bigint, at: Date): Promise<InvoiceStatus> {
  const deposit = await depositSeen(invoiceId, 'USDT', amount, at);
  await db.sql`update evm_deposit_observations set state = 'confirmed' where deposit_id = ${deposit}`;
  const handle = await env.client.workflow.signalWithStart(invoiceWorkflow, {
    taskQueue: TASK_QUEUE,
    workflowId: invoiceWorkflowId(invoiceId),
    args: [{ invoiceId, lateWindowMs: MINUTE }],
    workflowIdReusePolicy: 'ALLOW_DUPLICATE',
    signal: invoicePaymentSignal,
    signalArgs: [],
  });
  return (await handle.result()).status;
}

async function confirm(invoiceId: string, depositId: string): Promise<void> {
  await db.sql`update evm_deposit_observations set state = 'confirmed', confirmations = 12 where deposit_id = ${depositId}`;
  await env.client.workflow.getHandle(invoiceWorkflowId(invoiceId)).signal(invoicePaymentSignal);
}

const posted = async (account: string, currency: string) => balanceView(await balanceOf(db.sql, account, currency)).posted;
const eventData = async (invoiceId: string, status: InvoiceStatus) => {
  const [event] = await db.sql`select body from webhook_events where id = ${`invoice:${invoiceId}:${status}`}`;
  return (JSON.parse(event!.body as string) as { data: Record<string, unknown> }).data;
};
const events = async (invoiceId: string) =>
  (await db.sql`select type from webhook_events where id like ${`invoice:${invoiceId}:%`} order by created_at, id`).map(
    (r) => r.type as string,
  );

describe('invoiceWorkflow', () => {
  it('expires at its deadline when nothing was paid', async () => {
    const id = await newInvoice();
    const worker = await newWorker();
    const result = await worker.runUntil(async () => (await start(id)).result());
    expect(result).toEqual({ status: 'expired', payments: 0, finalPayments: 0 });
    expect(await events(id)).toEqual(['invoice.expired']);
  });

  it('is processing while a deposit confirms, settles only once it is final, and pays the merchant less the fee', async () => {
    const id = await newInvoice();
    const before = await posted(userAccountName(merchant), 'USDT');
    const worker = await newWorker();
    await worker.runUntil(async () => {
      const handle = await start(id);
      const deposit = await depositSeen(id, 'USDT', 100_000_000n);
      await handle.signal(invoicePaymentSignal);
      await waitForStatus(id, 'processing');
      expect(await handle.query(invoiceProgressQuery)).toMatchObject({ status: 'processing', payments: 1, finalPayments: 0 });
      expect(await posted(userAccountName(merchant), 'USDT')).toBe(before); // not before its confirmations
      await confirm(id, deposit);
      await waitForStatus(id, 'settled');
      await handle.signal(invoicePaymentSignal); // a repeated word changes nothing
      expect(await handle.result()).toMatchObject({ status: 'settled', finalPayments: 1 });
    });
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(before + 99_000_000n);
    expect(await posted('fees:USDT', 'USDT')).toBeGreaterThanOrEqual(1_000_000n);
    expect(await posted(invoiceAccount(id), 'USDT')).toBe(0n);
    expect(await events(id)).toEqual(['invoice.processing', 'invoice.settled']);
  });

  it('is invalid when a payment seen in time is not final within the monitoring window', async () => {
    const id = await newInvoice();
    const worker = await newWorker();
    const result = await worker.runUntil(async () => {
      const handle = await start(id, { lateWindowMs: MINUTE });
      await depositSeen(id, 'USDT', 100_000_000n);
      await handle.signal(invoicePaymentSignal);
      return handle.result();
    });
    expect(result.status).toBe('invalid');
    expect(await events(id)).toEqual(['invoice.processing', 'invoice.invalid']);
  });

  it('settles a partial payment completed before the deadline', async () => {
    const id = await newInvoice();
    const payer = await fundedUser(db.sql, 'payer', { USDT: 500_000_000n });
    const worker = await newWorker();
    await worker.runUntil(async () => {
      const handle = await start(id);
      const first = await depositSeen(id, 'USDT', 40_000_000n);
      await confirm(id, first);
      await waitForStatus(id, 'processing');
      // the rest from a Sluice balance: exactly what is left
      const { payment } = await payFromBalance(deps, {
        invoiceId: id,
        payerId: payer,
        idempotencyKey: 'rest',
        currency: (await deps.currencies.get('USDT'))!,
      });
      expect(payment.amount).toBe(60_000_000n);
      expect(await handle.result()).toMatchObject({ status: 'settled', finalPayments: 2 });
    });
    expect(await events(id)).toEqual(['invoice.processing', 'invoice.settled']);
  });

  it('settles with a balance payment committed between its read at the deadline and its recording of that look', async () => {
    const id = await newInvoice();
    const payer = await fundedUser(db.sql, 'payer', { USDT: 500_000_000n });
    const usdt = (await deps.currencies.get('USDT'))!;
    const before = await posted(userAccountName(merchant), 'USDT');
    const worker = await newWorker(
      payingAfterTheDeadlineRead(() =>
        payFromBalance(deps, { invoiceId: id, payerId: payer, idempotencyKey: 'at-the-deadline', currency: usdt }),
      ),
    );
    const result = await worker.runUntil(async () =>
      (await start(id, { pollIntervalMs: 60 * MINUTE, lateWindowMs: MINUTE })).result(),
    );
    // the payer was charged before the deadline: the invoice is paid, and its merchant, its callback and its page say so
    expect(result).toEqual({ status: 'settled', payments: 1, finalPayments: 1 });
    expect(await posted(userAccountName(payer), 'USDT')).toBe(400_000_000n);
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(before + 99_000_000n);
    expect(await events(id)).toEqual(['invoice.settled']);
    expect(await invoiceById(db.sql, id)).toMatchObject({ status: 'settled', settledValue: 100_000_000n });
    expect((await paymentsOf(db.sql, id)).map((p) => p.disposition)).toEqual(['settlement']);
  });

  it('settles with a deposit the chain made final between its read at the deadline and its recording of that look', async () => {
    const id = await newInvoice();
    const before = await posted(userAccountName(merchant), 'USDT');
    const worker = await newWorker(
      payingAfterTheDeadlineRead(async () => {
        const deposit = await depositSeen(id, 'USDT', 100_000_000n);
        await db.sql`update evm_deposit_observations set state = 'confirmed', confirmations = 12 where deposit_id = ${deposit}`;
      }),
    );
    const result = await worker.runUntil(async () =>
      (await start(id, { pollIntervalMs: 60 * MINUTE, lateWindowMs: MINUTE })).result(),
    );
    expect(result).toEqual({ status: 'settled', payments: 1, finalPayments: 1 });
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(before + 99_000_000n);
    expect(await events(id)).toEqual(['invoice.processing', 'invoice.settled']);
    expect((await paymentsOf(db.sql, id)).map((p) => p.disposition)).toEqual(['settlement']);
  });

  it('keeps a partial payment left at the deadline (paid_partial), crediting it to the merchant as paid', async () => {
    const id = await newInvoice();
    const before = await posted(userAccountName(merchant), 'USDT');
    const worker = await newWorker();
    const result = await worker.runUntil(async () => {
      const handle = await start(id, { lateWindowMs: MINUTE });
      await confirm(id, await depositSeen(id, 'USDT', 30_000_000n));
      return handle.result();
    });
    expect(result.status).toBe('paid_partial');
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(before + 30_000_000n);
    expect(await events(id)).toEqual(['invoice.processing', 'invoice.expired']);
    const expired = await eventData(id, 'paid_partial');
    expect(expired).toMatchObject({ status: 'paid_partial', settled_value: '30.000000' });
    // every field an event carries is in its type's schema (/openapi.json's webhooks)
    eventSchema('invoice.expired').shape.data.strict().parse(expired);

    // an operator then marks it settled: the event and the merchant's notice say what was paid, not the amount
    const mark = { mark: 'marked_settled' as const, operatorId: operator, note: 'the rest paid by wire' };
    await recordInvoiceStep(deps, { invoiceId: id, at: await env.currentTimeMs(), mark });
    const marked = await eventData(id, 'marked_settled');
    expect(marked).toMatchObject({ marked: true, settled_value: '30.000000' });
    eventSchema('invoice.settled').shape.data.strict().parse(marked);
    const [notice] = await db.sql`select body from notifications where kind = 'invoice_paid' and body->>'invoice_id' = ${id}`;
    expect(notice!.body).toMatchObject({ amount: '30.000000', credited: '30.000000', currency: 'USDT' }); // credited as paid: no fee
  });

  it('marks an overpayment paid_over and credits the excess to the merchant', async () => {
    const id = await newInvoice();
    const before = await posted(userAccountName(merchant), 'USDT');
    const worker = await newWorker();
    const result = await worker.runUntil(async () => {
      const handle = await start(id, { lateWindowMs: MINUTE });
      await confirm(id, await depositSeen(id, 'USDT', 120_000_000n));
      return handle.result();
    });
    expect(result.status).toBe('paid_over');
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(before + 119_000_000n);
    expect(await events(id)).toEqual(['invoice.paid_over']);
  });

  it('takes a payment after the deadline as paid_late, even once its workflow has ended', async () => {
    const id = await newInvoice();
    const before = await posted(userAccountName(merchant), 'USDT');
    const worker = await newWorker();
    await worker.runUntil(async () => {
      expect((await (await start(id, { lateWindowMs: MINUTE })).result()).status).toBe('expired');
      // the workflow ended; the listener's signal starts it again and it reads the late payment
      const invoice = (await invoiceById(db.sql, id))!;
      expect(await payLate(id, 100_000_000n, new Date(invoice.expiresAt.getTime() + MINUTE))).toBe('paid_late');

      // a second late payment: paid_late again, credited, and announced under its own id (the state's was used)
      expect(await payLate(id, 30_000_000n, new Date(invoice.expiresAt.getTime() + 2 * MINUTE))).toBe('paid_late');
    });
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(before + 130_000_000n);
    expect(await events(id)).toEqual(['invoice.expired', 'invoice.paid_late', 'invoice.paid_late']);
    const [second] = await db.sql`
      select w.body from webhook_events w join invoice_payments p on w.id = ${`invoice:${id}:paid_late:`} || p.id
      where p.invoice_id = ${id} and p.amount = 30000000`;
    expect(JSON.parse(second!.body as string).data).toMatchObject({ status: 'paid_late', settled_value: '130.000000' });
  });

  it("records an operator's mark with the operator, and refuses a mark a settled invoice does not allow", async () => {
    const expired = await newInvoice();
    const payer = await fundedUser(db.sql, 'payer', { USDT: 500_000_000n });
    const usdt = (await deps.currencies.get('USDT'))!;
    const worker = await newWorker();
    await worker.runUntil(async () => {
      const handle = await start(expired);
      await env.sleep('16 minutes');
      await waitForStatus(expired, 'expired');
      const marked = await handle.executeUpdate(markInvoiceUpdate, {
        args: [{ mark: 'marked_settled', operatorId: operator, note: 'paid by wire' }],
      });
      expect(marked).toBe('marked_settled');

      const settled = await newInvoice(); // after the clock moved past the first one's deadline
      const other = await start(settled);
      await payFromBalance(deps, { invoiceId: settled, payerId: payer, idempotencyKey: 'all', currency: usdt });
      await waitForStatus(settled, 'settled');
      const refused = await other
        .executeUpdate(markInvoiceUpdate, { args: [{ mark: 'marked_invalid', operatorId: operator, note: null }] })
        .catch((error: Error) => error);
      expect((refused as Error).cause).toMatchObject({ type: 'conflict', message: 'the invoice is already settled' });
      expect((await handle.result()).status).toBe('marked_settled');
      expect((await other.result()).status).toBe('settled');
    });
    expect(await invoiceById(db.sql, expired)).toMatchObject({
      status: 'marked_settled',
      markedBy: operator,
      markNote: 'paid by wire',
    });
    expect(await events(expired)).toEqual(['invoice.expired', 'invoice.settled']);
  });

  it("settles an invoice paid in full in the same look as an operator's mark, refusing the mark as for a settled one", async () => {
    const id = await newInvoice();
    const before = await posted(userAccountName(merchant), 'USDT');
    const worker = await newWorker();
    await worker.runUntil(async () => {
      // its poll outlasts the invoice: once its first look waits on a timer, only the mark makes it look again
      const handle = await start(id, { pollIntervalMs: 60 * MINUTE, lateWindowMs: MINUTE });
      for (let attempt = 0; !(await handle.fetchHistory()).events?.some((e) => e.timerStartedEventAttributes); attempt++) {
        if (attempt === 400) throw new Error('the first look never ended');
        await sleep(50);
      }
      const deposit = await depositSeen(id, 'USDT', 100_000_000n);
      await db.sql`update evm_deposit_observations set state = 'confirmed', confirmations = 12 where deposit_id = ${deposit}`;
      const refused = await handle
        .executeUpdate(markInvoiceUpdate, { args: [{ mark: 'marked_invalid', operatorId: operator, note: 'no payment' }] })
        .catch((error: Error) => error);
      expect((refused as Error).cause).toMatchObject({ type: 'conflict', message: 'the invoice is already settled' });
      expect((await handle.result()).status).toBe('settled');
    });
    expect(await invoiceById(db.sql, id)).toMatchObject({ status: 'settled', settledValue: 100_000_000n, markedBy: null });
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(before + 99_000_000n);
    expect(await events(id)).toEqual(['invoice.settled']);
  });

  it('keeps the price locked when the customer chose, across a rate change, with the conversion fee', async () => {
    const id = await newInvoice();
    const eth = (await deps.currencies.get('ETH'))!;
    const merchantBefore = await posted(userAccountName(merchant), 'USDT');
    const feesBefore = await posted('fees:ETH', 'ETH');
    prices.prices.set('ETH/USDT', '2000');
    const { quote } = await checkout(deps, id, eth);
    // 100 USDT / 2000 = 0.05 ETH; 0.5% conversion fee = 0.00025 ETH
    expect(quote).toMatchObject({ price: '2000', base: 50_000_000_000_000_000n, conversionFee: 250_000_000_000_000n });
    prices.prices.set('ETH/USDT', '2500'); // the market moves; the invoice keeps its price
    expect((await checkout(deps, id, eth)).quote.due).toBe(quote.due);
    const worker = await newWorker();
    await worker.runUntil(async () => {
      const handle = await start(id);
      await confirm(id, await depositSeen(id, 'ETH', quote.due));
      expect(await handle.result()).toMatchObject({ status: 'settled' });
    });
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(merchantBefore + 99_000_000n);
    expect(await posted('fees:ETH', 'ETH')).toBe(feesBefore + 250_000_000_000_000n);
  });

  it('settles at once when parts in another currency add up to what is due, though each alone rounds down', async () => {
    const id = await newInvoice();
    const eth = (await deps.currencies.get('ETH'))!;
    const before = await posted(userAccountName(merchant), 'USDT');
    prices.prices.set('ETH/USDT', '2000');
    const { quote } = await checkout(deps, id, eth);
    // 1 USDT minor unit is 502_500_000 wei at this price and fee: a part off that grid rounds down, and so does the rest
    const first = 20_000_000_000_000_001n;
    const worker = await newWorker();
    const handle = await worker.runUntil(async () => {
      const handle = await start(id, { lateWindowMs: MINUTE });
      await confirm(id, await depositSeen(id, 'ETH', first));
      await waitForStatus(id, 'processing');
      await confirm(id, await depositSeen(id, 'ETH', quote.due - first));
      await waitForStatus(id, 'settled');
      // before the invoice's deadline: the rule did not wait for it (the old one took the parts as a unit short)
      expect(await env.currentTimeMs()).toBeLessThan((await invoiceById(db.sql, id))!.expiresAt.getTime());
      expect(await handle.result()).toMatchObject({ status: 'settled', finalPayments: 2 });
      return handle;
    });
    await recordHistory('invoice-values-currency-totals', await handle.fetchHistory());
    expect(await posted(userAccountName(merchant), 'USDT')).toBe(before + 99_000_000n);
    expect(await events(id)).toEqual(['invoice.processing', 'invoice.settled']);
  });

  it('continues as new while it waits, keeping its late window from its expiry, and expires once', async () => {
    const id = await newInvoice();
    const expiresAt = (await invoiceById(db.sql, id))!.expiresAt.getTime();
    const worker = await newWorker();
    const handle = await worker.runUntil(async () => {
      const handle = await start(id, { lateWindowMs: 15 * MINUTE, runHistoryLimit: 40 });
      expect(await handle.result()).toEqual({ status: 'expired', payments: 0, finalPayments: 0 });
      return handle;
    });
    const runs = await runsOf(env.client, handle.workflowId, handle.firstExecutionRunId);
    await recordHistory('invoice-continues-as-new', runs[0]);
    expect(runs.length).toBeGreaterThan(3);
    for (const run of runs) expect(run.events!.length).toBeLessThan(60);
    // the late window ran once, from the expiry: a run does not start it again
    const last = await handle.describe();
    expect(last.closeTime!.getTime()).toBeGreaterThanOrEqual(expiresAt + 15 * MINUTE);
    expect(last.closeTime!.getTime()).toBeLessThanOrEqual(expiresAt + 16 * MINUTE);
    expect(last.typedSearchAttributes.get(MerchantId)).toBe(merchant); // the first run's, kept by the next ones
    expect(await events(id)).toEqual(['invoice.expired']);
  });

  it('settles a payment confirmed after it continued as new', async () => {
    const id = await newInvoice();
    const worker = await newWorker();
    await worker.runUntil(async () => {
      const handle = await start(id, { runHistoryLimit: 40 });
      const deposit = await depositSeen(id, 'USDT', 100_000_000n);
      await handle.signal(invoicePaymentSignal);
      await waitForStatus(id, 'processing');
      await env.sleep('10 minutes'); // ten looks: the run that heard of the payment has handed over
      expect((await handle.describe()).runId).not.toBe(handle.firstExecutionRunId);
      await confirm(id, deposit);
      expect(await handle.result()).toMatchObject({ status: 'settled', payments: 1, finalPayments: 1 });
    });
    expect(await events(id)).toEqual(['invoice.processing', 'invoice.settled']);
  });
});
