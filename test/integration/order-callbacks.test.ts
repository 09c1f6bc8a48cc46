/**
 * An order's callback is linked, and told the order's first state, in the transaction that stores the order, for every
 * kind written through a batch or a transaction of its own: the order is never visible without its link, so no crash
 * between the two can leave it untold, and no state it reaches after its commit can be missed. A link that fails
 * (here, as a crash or a lost connection would cut it: an endpoint whose secret cannot be stored) takes its order with
 * it, and only its order: the batch's other requests are retried without it.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Currency } from '../../domain/currencies.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import { changeBetEvent, insertBetEvent } from '../../services/betting/events-store.js';
import { BetPlacer } from '../../services/betting/placement.js';
import { settleBetPage } from '../../services/betting/settlement.js';
import { CurrencyCatalog, loadCurrencies } from '../../services/currencies/catalog.js';
import { fundInventory } from '../../services/fast-exchange/inventory.js';
import { QuoteWriter } from '../../services/fast-exchange/quotes-store.js';
import { acceptQuote, createQuote, type FastExchangeDeps } from '../../services/fast-exchange/service.js';
import { publishInvoiceEvent } from '../../services/invoices/events.js';
import { changeStatus } from '../../services/invoices/store.js';
import { InvoiceWriter } from '../../services/invoices/writer.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { orderCallback, type OrderCallback } from '../../services/orders/client.js';
import { CurrentRates } from '../../services/rates/client.js';
import { SettingsResolver } from '../../services/settings/client.js';
import { sendTransfer, type TransferDeps } from '../../services/transfers/service.js';
import { UserDirectory } from '../../services/users-auth/client.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { requestWithdrawal, requireWithdrawable } from '../../services/withdrawals/service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { fundedUser } from '../support/funded-user.js';
import { newInvoice } from '../support/merchant.js';

let db: TestDatabase;
let currencies: Currency[];
beforeAll(async () => {
  db = await createTestDatabase();
  currencies = await loadCurrencies(db.sql);
});
afterAll(() => db?.drop());

const KEY = Buffer.alloc(32, 7);
const callback = (userId: string, path = '/cb') => orderCallback({ key: KEY }, userId, `https://merchant.example${path}`)!;
/** A callback whose link fails in SQL, after the order's own writes were sent (secret_sealed is NOT NULL). */
const failingCallback = (): OrderCallback => ({ url: 'https://merchant.example/lost', secretSealed: null as unknown as string });

/** The states the order's callback was told, in the order they were stored; null when it has no callback. */
async function told(orderId: string): Promise<string[] | null> {
  const [link] = await db.sql`select endpoint_id from order_callbacks where order_id = ${orderId}`;
  if (!link) return null;
  const rows = await db.sql`
    select ev.id from webhook_deliveries d join webhook_events ev on ev.id = d.event_id
    where d.endpoint_id = ${link.endpointId} and ev.id like ${`order:${orderId}:%`} order by d.position`;
  return rows.map((r) => (r.id as string).split(':')[2]!);
}

describe('a transfer', () => {
  const deps = (): TransferDeps => ({
    sql: db.sql,
    ledger: new LedgerWriter(db.sql),
    users: new UserDirectory(db.sql, KEY),
    settings: new SettingsResolver(db.sql),
    countOutcome: () => {},
  });
  const usd = () => currencies.find((c) => c.code === 'USD')!;

  it('is linked to its callback in the ledger batch that writes it, beside transfers without one', async () => {
    const transfers = deps();
    const [alice, bob] = await Promise.all([
      fundedUser(db.sql, 'tr-alice', { USD: 10_000n }),
      fundedUser(db.sql, 'tr-bob', { USD: 10_000n }),
    ]);
    const send = (senderId: string, to: string, key: string, cb?: OrderCallback) =>
      sendTransfer(transfers, {
        senderId,
        idempotencyKey: key,
        to: { field: 'to_user_id', userId: to },
        currency: usd(),
        amount: 100n,
        callback: cb,
      });
    // one batch: the same turn of the event loop
    const [told1, silent, told2] = await Promise.all([
      send(alice, bob, 'a1', callback(alice)),
      send(bob, alice, 'b1'),
      send(alice, bob, 'a2', callback(alice, '/other')),
    ]);
    expect(await told(`tr_${told1.transfer.id}`)).toEqual(['posted']);
    expect(await told(`tr_${told2.transfer.id}`)).toEqual(['posted']);
    expect(await told(`tr_${silent.transfer.id}`)).toBeNull();
  });

  it('is not written when its link fails, and the other transfers of its batch are', async () => {
    const transfers = deps();
    const [carol, dave] = await Promise.all([
      fundedUser(db.sql, 'tr-carol', { USD: 10_000n }),
      fundedUser(db.sql, 'tr-dave', { USD: 10_000n }),
    ]);
    const send = (key: string, cb?: OrderCallback) =>
      sendTransfer(transfers, {
        senderId: carol,
        idempotencyKey: key,
        to: { field: 'to_user_id', userId: dave },
        currency: usd(),
        amount: 100n,
        callback: cb,
      });
    const [lost, kept] = await Promise.allSettled([send('lost', failingCallback()), send('kept')]);
    expect(lost.status).toBe('rejected');
    expect(kept.status).toBe('fulfilled');
    const written = await db.sql`
      select key from ledger_transfers where key like ${`%${carol}%`} and metadata ->> 'type' = 'internal_transfer'`;
    expect(written.map((r) => r.key as string).sort()).toEqual([expect.stringContaining('kept')]);
  });
});

describe('a bet', () => {
  let placer: BetPlacer;
  let provider: string;
  beforeAll(async () => {
    placer = new BetPlacer(db.sql);
    provider = (await insertUser(db.sql, { email: 'lines@example.com', passwordHash: 'x', role: 'line_provider' }))!.id;
  });
  const newEvent = async () =>
    (
      await insertBetEvent(db.sql, {
        title: 'match',
        coefficient: 200n,
        deadline: new Date(Date.now() + 3_600_000),
        createdBy: provider,
        idempotencyKey: null,
      })
    ).event.id;

  it('is linked and told it is placed in the batch that places it, so a settlement right after tells it too', async () => {
    const eventId = await newEvent();
    const [ann, ben] = await Promise.all([
      fundedUser(db.sql, 'bet-ann', { USD: 1_000n }),
      fundedUser(db.sql, 'bet-ben', { USD: 1_000n }),
    ]);
    const bet = (userId: string, key: string, cb?: OrderCallback) =>
      placer.place({ userId, eventId, currency: 'USD', amount: 100n, idempotencyKey: key, callback: cb });
    const [withCallback, without] = await Promise.all([bet(ann, 'k1', callback(ann)), bet(ben, 'k1')]);
    if (!withCallback.ok || !without.ok) throw new Error('a bet was refused');
    expect(await told(`bet_${withCallback.bet.id}`)).toEqual(['pending']);
    expect(await told(`bet_${without.bet.id}`)).toBeNull();

    // the event settles at once: the callback, linked with the bet, hears that too
    await changeBetEvent(db.sql, eventId, { state: 'finished_win' });
    while ((await settleBetPage(db.sql, eventId, 50)).tally.pending > 0);
    expect(await told(`bet_${withCallback.bet.id}`)).toEqual(['pending', 'won']);
  });

  it('is not placed when its link fails, and the other bets of its batch are', async () => {
    const eventId = await newEvent();
    const [cal, dee] = await Promise.all([
      fundedUser(db.sql, 'bet-cal', { USD: 1_000n }),
      fundedUser(db.sql, 'bet-dee', { USD: 1_000n }),
    ]);
    const bet = (userId: string, cb?: OrderCallback) =>
      placer.place({ userId, eventId, currency: 'USD', amount: 100n, idempotencyKey: 'k', callback: cb });
    const [lost, kept] = await Promise.allSettled([bet(cal, failingCallback()), bet(dee)]);
    expect(lost.status).toBe('rejected');
    expect(kept).toMatchObject({ status: 'fulfilled', value: { ok: true } });
    const placed = await db.sql`select user_id from bets where event_id = ${eventId}`;
    expect(placed.map((r) => r.userId)).toEqual([dee]);
  });
});

describe('a withdrawal', () => {
  // no Temporal: the start after the commit fails and is left to the sweep, as when the process dies right after it
  const temporal = {
    client: { workflow: { start: () => Promise.reject(new Error('no Temporal in this test')) } },
    taskQueue: 'none',
  } as unknown as TemporalTarget;
  const request = (userId: string, key: string, cb: OrderCallback) =>
    requestWithdrawal(
      {
        sql: db.sql,
        temporal,
        timings: { confirmTtlMs: 600_000, approvalTtlMs: 600_000, pollIntervalMs: 30_000 },
        log: pino({ level: 'silent' }),
        requireVerifiedEmail: false,
        custodyWallets: { evm: new Set(), xrpl: new Set() },
      },
      {
        userId,
        idempotencyKey: key,
        currency: requireWithdrawable(currencies.find((c) => c.code === 'ETH')!),
        amount: 1_000_000n,
        address: '0x' + 'ab'.repeat(20),
        destinationTag: null,
        callback: cb,
      },
    );

  it('is linked and told its first state in the transaction that stores it, before its workflow starts', async () => {
    const userId = await fundedUser(db.sql, 'wd', { ETH: 10_000_000n });
    const { withdrawal } = await request(userId, 'w1', callback(userId));
    expect(await told(`wd_${withdrawal.id}`)).toEqual([withdrawal.status]);
  });

  it('is not stored, nor its funds held, when its link fails', async () => {
    const userId = await fundedUser(db.sql, 'wd-lost', { ETH: 10_000_000n });
    await expect(request(userId, 'w1', failingCallback())).rejects.toThrow();
    expect(await db.sql`select id from withdrawals where user_id = ${userId}`).toHaveLength(0);
  });
});

describe('an invoice', () => {
  let merchant: string;
  beforeAll(async () => {
    merchant = (await insertUser(db.sql, { email: 'shop@example.com', passwordHash: 'x', role: 'merchant' }))!.id;
  });
  const invoice = (callbackUrl: string | null) => newInvoice(merchant, { callbackUrl });

  it('is linked in the batch that stores it, before its workflow can be started, and only with its own callback', async () => {
    const writer = new InvoiceWriter(db.sql, new CurrencyCatalog(db.sql));
    const cb = callback(merchant, '/inv');
    const [linked, plain] = await Promise.all([writer.store(invoice(cb.url), cb), writer.store(invoice(null))]);
    expect(await told(`inv_${linked.invoice.id}`)).toEqual(['new']);
    expect(await told(`inv_${plain.invoice.id}`)).toBeNull();
  });

  it('tells its callback of a late payment that reaches its state again, as its webhook event does, once each', async () => {
    const writer = new InvoiceWriter(db.sql, new CurrencyCatalog(db.sql));
    const cb = callback(merchant, '/late');
    const { invoice: stored } = await writer.store(invoice(cb.url), cb);
    const paidLate = { ...stored, status: 'paid_late' as const };
    await db.sql.begin(async (tx) => {
      await changeStatus(tx, { id: stored.id, from: 'new', to: 'paid_late', settledValue: null, fee: null, markedBy: null });
      await publishInvoiceEvent(tx, paidLate);
      // a second payment after the end, announced twice (a retried step): told once
      await publishInvoiceEvent(tx, paidLate, '41');
      await publishInvoiceEvent(tx, paidLate, '41');
    });
    expect(await told(`inv_${stored.id}`)).toEqual(['new', 'paid_late', 'paid_late']);
    const [again] = await db.sql`select id from webhook_events where id = ${`order:inv_${stored.id}:paid_late:41`}`;
    expect(again).toBeDefined();
  });

  it('is not stored when its link fails, and the other invoices of its batch are', async () => {
    const writer = new InvoiceWriter(db.sql, new CurrencyCatalog(db.sql));
    const lostCallback = failingCallback();
    const [lost, kept] = await Promise.allSettled([
      writer.store(invoice(lostCallback.url), lostCallback),
      writer.store(invoice('https://merchant.example/kept')),
    ]);
    expect(lost.status).toBe('rejected');
    expect(kept.status).toBe('fulfilled');
    expect(await db.sql`select id from invoices where callback_url = ${lostCallback.url}`).toHaveLength(0);
  });
});

describe('a swap', () => {
  it("tells the callback linked with its quote in the swap's transaction, whichever process accepts it", async () => {
    const ledger = new LedgerWriter(db.sql);
    const deps = (): FastExchangeDeps => ({
      sql: db.sql,
      ledger,
      rates: new CurrentRates(db.sql),
      settings: new SettingsResolver(db.sql),
      users: new UserDirectory(db.sql, KEY),
      quotes: new QuoteWriter(db.sql),
      currencies: new CurrencyCatalog(db.sql),
    });
    const operator = await fundedUser(db.sql, 'ex-operator', {});
    await fundInventory(ledger, { operatorId: operator, idempotencyKey: 'xrp', currency: 'XRP', amount: 1_000_000_000n });
    const userId = await fundedUser(db.sql, 'ex', { USDT: 100_000_000n });
    const [from, to] = ['USDT', 'XRP'].map((code) => currencies.find((c) => c.code === code)!);
    const quote = (service: FastExchangeDeps, cb?: OrderCallback) =>
      createQuote(service, { userId, from: from!, to: to!, amount: { field: 'amount_in', value: 2_500_000n }, callback: cb });
    const accept = (service: FastExchangeDeps, quoteId: string) =>
      acceptQuote(service, { userId, quoteId, idempotencyKey: `accept-${quoteId}` });

    const here = deps();
    const [told1, silent] = await Promise.all([quote(here, callback(userId, '/ex')), quote(here)]);
    // linked as the quote is stored; a quote is no order until accepted, so nothing is told yet
    expect(await told(`ex_${told1.id}`)).toEqual([]);
    await Promise.all([accept(here, told1.id), accept(here, silent.id)]);
    expect(await told(`ex_${told1.id}`)).toEqual(['accepted']);
    expect(await told(`ex_${silent.id}`)).toBeNull();

    // accepted by another process, which did not make the quote: the link is read from the table
    const made = await quote(deps(), callback(userId, '/ex'));
    await accept(deps(), made.id);
    expect(await told(`ex_${made.id}`)).toEqual(['accepted']);
  });
});
