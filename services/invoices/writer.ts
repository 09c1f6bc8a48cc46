/**
 * Storing new invoices, the hot path of POST /v1/invoices: invoices arriving together are stored with their
 * `invoice.created` events in one SQL transaction (group commit, as bets and the ledger do), so one commit serves many
 * requests. The transaction NOTIFYs `sluice_invoices`, which Postgres delivers at commit only: the worker listening
 * there starts the new invoices' workflows (store-then-start, its sweep starting any a lost notification missed), so
 * no request waits on Temporal.
 */
import { BatchQueue, retryOnRace } from '../../platform/db/batch-queue.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import { publishInvoiceEvent } from './events.js';
import { insertInvoice, type Invoice, type NewInvoice } from './store.js';

/** The channel the worker listens on to start new invoices' workflows once their transaction commits. */
export const INVOICES_CHANNEL = 'sluice_invoices';

export interface StoredInvoice {
  invoice: Invoice;
  /** false: an earlier invoice of this merchant under the same Idempotency-Key, answered instead. */
  created: boolean;
}

export class InvoiceWriter {
  private readonly queue: BatchQueue<NewInvoice, StoredInvoice>;

  constructor(sql: Sql, maxBatch = 200) {
    this.queue = new BatchQueue((batch) => retryOnRace(() => sql.begin((tx) => storeInvoices(tx, batch))), maxBatch);
  }

  store(invoice: NewInvoice): Promise<StoredInvoice> {
    return this.queue.submit(invoice);
  }
}

/**
 * Stores a batch in the caller's transaction, each invoice with its event. The requests' statements are sent together
 * (postgres.js pipelines a transaction's concurrent queries, the server runs them in order), so a batch costs a few
 * round trips, not a few per invoice. Two requests of one batch under the same key: the second finds the first's row.
 */
export async function storeInvoices(tx: Tx, batch: NewInvoice[]): Promise<StoredInvoice[]> {
  const stored = await Promise.all(
    batch.map(async (request) => {
      const result = await insertInvoice(tx, request);
      if (result.created) await publishInvoiceEvent(tx, result.invoice);
      return result;
    }),
  );
  if (stored.some((s) => s.created)) await tx`select pg_notify(${INVOICES_CHANNEL}, '')`;
  return stored;
}
