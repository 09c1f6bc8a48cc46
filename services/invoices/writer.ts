/**
 * Storing new invoices, the hot path of POST /v1/invoices: invoices arriving together are stored with their
 * `invoice.created` events in one SQL transaction (group commit, as bets and the ledger do), so one commit serves many
 * requests, and their events share one statement. The transaction NOTIFYs `sluice_invoices`, which Postgres delivers at commit only: the worker listening
 * there starts the new invoices' workflows (store-then-start, its sweep starting any a lost notification missed), so
 * no request waits on Temporal.
 */
import { BatchQueue, retryOnRace } from '../../platform/db/batch-queue.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import type { CurrencyCatalog } from '../currencies/catalog.js';
import { linkOrderCallbacks, orderId, type OrderCallback } from '../orders/client.js';
import { publishEvents } from '../webhooks/client.js';
import { invoiceEvent } from './events.js';
import { insertInvoice, type Invoice, type NewInvoice } from './store.js';

/** The channel the worker listens on to start new invoices' workflows once their transaction commits. */
export const INVOICES_CHANNEL = 'sluice_invoices';

export interface StoredInvoice {
  invoice: Invoice;
  /** false: an earlier invoice of this merchant under the same Idempotency-Key, answered instead. */
  created: boolean;
}

/** An invoice to store, and the callback linked to it in the same transaction (the merchant's `callback_url`). */
interface InvoiceToStore {
  invoice: NewInvoice;
  callback: OrderCallback | undefined;
}

export class InvoiceWriter {
  private readonly queue: BatchQueue<InvoiceToStore, StoredInvoice>;

  constructor(sql: Sql, currencies: CurrencyCatalog, maxBatch = 200) {
    this.queue = new BatchQueue((batch) => retryOnRace(() => sql.begin((tx) => storeInvoices(tx, currencies, batch))), maxBatch);
  }

  store(invoice: NewInvoice, callback?: OrderCallback): Promise<StoredInvoice> {
    return this.queue.submit({ invoice, callback });
  }
}

/**
 * Stores a batch in the caller's transaction: the invoices' inserts are sent together (postgres.js pipelines a
 * transaction's concurrent queries, the server runs them in order), then their events in one statement, and the new
 * invoices' callbacks are linked (so the workflow, started once this commits, cannot move one before its callback is
 * told). Two requests of one batch under the same key: the second finds the first's row.
 */
async function storeInvoices(tx: Tx, currencies: CurrencyCatalog, batch: InvoiceToStore[]): Promise<StoredInvoice[]> {
  const stored = await Promise.all(batch.map((request) => insertInvoice(tx, request.invoice)));
  const created = stored.filter((s) => s.created).map((s) => s.invoice);
  const events = await Promise.all(
    created.map(async (invoice) => invoiceEvent(invoice, (await currencies.get(invoice.currency))!.scale)),
  );
  const callbacks = batch.flatMap(({ callback }, i) => {
    const { invoice, created } = stored[i]!;
    return callback && created ? [{ id: orderId('inv', invoice.id), userId: invoice.merchantId, callback }] : [];
  });
  await Promise.all([publishEvents(tx, events), linkOrderCallbacks(tx, callbacks)]);
  if (created.length > 0) await tx`select pg_notify(${INVOICES_CHANNEL}, '')`;
  return stored;
}
