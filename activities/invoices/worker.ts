/**
 * Invoices' part of the worker: the invoice workflow's activities; a listener on `sluice_invoices` that starts the
 * workflows of invoices as soon as the transaction that stored them commits; and the sweep that starts any a lost
 * notification missed.
 */
import { CoalescingRunner } from '../../platform/coalescing-runner.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import {
  INVOICES_CHANNEL,
  invoiceOutbox,
  startNotifiedInvoices,
  startUnstartedInvoices,
} from '../../services/invoices/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createInvoiceActivities } from './activities.js';
import { ratesPriceSource } from '../../services/invoices/pricing.js';
import { CurrentRates } from '../../services/rates/client.js';

export const invoicesFeature: WorkerFeature<WorkerDeps> = {
  name: 'invoices',
  async start(deps) {
    const { config, sql, log, temporal } = deps;
    const outbox = invoiceOutbox(temporal, sql);
    // notifications during a pass ask for one more pass, not one each
    const starter = new CoalescingRunner(async () => {
      await startNotifiedInvoices(outbox, log);
    });
    const startNew = () => starter.run().catch((error) => log.warn({ err: error }, 'starting invoice workflows failed'));
    // a pass on (re)connect starts what was stored while the listener was away; the sweep covers the rest
    const listening = await sql.listen(
      INVOICES_CHANNEL,
      () => void startNew(),
      () => void startNew(),
    );
    return {
      activities: createInvoiceActivities({ ...deps, prices: ratesPriceSource(new CurrentRates(sql)) }),
      sweeps: [
        {
          name: 'invoice sweep',
          everyMs: config.START_SWEEP_INTERVAL,
          run: () => startUnstartedInvoices(temporal.client, sql, temporal.taskQueue, log, config.START_SWEEP_INTERVAL / 1000),
        },
      ],
      close: () => listening.unlisten(),
    };
  },
};
