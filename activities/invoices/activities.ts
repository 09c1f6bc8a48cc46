/** Activities of the invoice workflow: read what was paid; decide and record a step under the invoice's row lock. */
import { ApplicationFailure } from '@temporalio/activity';
import type { InvoiceFacts } from '../../domain/invoices/facts.js';
import type { InvoiceStatus } from '../../domain/invoices/status.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { recordInvoiceStep, reviewInvoice, type InvoiceStep } from '../../services/invoices/lifecycle.js';
import type { PriceSource } from '../../services/invoices/pricing.js';

/** A business refusal fails the activity for good; anything else (the database away) is retried. */
async function orFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError && error.code === ErrorCode.NotFound)
      throw ApplicationFailure.nonRetryable(error.message, error.code);
    throw error;
  }
}

export function createInvoiceActivities(deps: {
  sql: Sql;
  log: Logger;
  currencies: CurrencyCatalog;
  prices: PriceSource | null;
}) {
  return {
    reviewInvoice: (invoiceId: string): Promise<InvoiceFacts> => orFailure(() => reviewInvoice(deps, invoiceId)),

    async recordInvoiceStep(step: InvoiceStep): Promise<InvoiceStatus> {
      const { from, to, disposed } = await orFailure(() => recordInvoiceStep(deps, step));
      if (from !== to) deps.log.info({ invoice: step.invoiceId, from, to, disposed }, 'invoice state recorded');
      return to;
    },
  };
}
