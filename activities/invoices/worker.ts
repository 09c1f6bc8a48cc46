/**
 * Invoices' part of the worker: the invoice workflow's activities, and the sweep that starts the workflow of an
 * invoice whose API process died between storing it and starting it.
 */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { startUnstartedInvoices } from '../../services/invoices/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createInvoiceActivities } from './activities.js';
import { ratesPriceSource } from '../../services/invoices/pricing.js';
import { CurrentRates } from '../../services/rates/client.js';

export const invoicesFeature: WorkerFeature<WorkerDeps> = {
  name: 'invoices',
  start: async (deps) => ({
    activities: createInvoiceActivities({ ...deps, prices: ratesPriceSource(new CurrentRates(deps.sql)) }),
    sweeps: [
      {
        name: 'invoice sweep',
        everyMs: deps.config.START_SWEEP_INTERVAL,
        run: () =>
          startUnstartedInvoices(
            deps.temporal.client,
            deps.sql,
            deps.temporal.taskQueue,
            deps.log,
            deps.config.START_SWEEP_INTERVAL / 1000,
          ),
      },
    ],
  }),
};
