/**
 * Reconciliation's part of the worker: registers the custody wallets its configuration names (so the EVM listener
 * watches them for top-ups and reconciliation reads them), keeps the schedule, books chain events periodically, and
 * runs the reconciliation's activities.
 */
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { parseAmountsPerCurrency } from '../../platform/config.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import {
  configuredCustody,
  ensureReconciliationSchedule,
  registerCustodyAddresses,
} from '../../services/reconciliation/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createReconciliationActivities } from './activities.js';

/** How often confirmed top-ups and fees are booked between reconciliations. */
const BOOKING_INTERVAL_MS = 30_000;

export const reconciliationFeature: WorkerFeature<WorkerDeps> = {
  name: 'reconciliation',
  async start(deps) {
    const { config, sql, log, evm } = deps;
    const custody = configuredCustody(config, evm?.chain ?? null);
    await registerCustodyAddresses(sql, custody);
    await ensureReconciliationSchedule(deps.temporal, config.RECONCILIATION_INTERVAL_MINUTES, log);
    const activities = createReconciliationActivities({
      sql,
      log,
      currencies: deps.currencies,
      evm: evm ? { chain: evm.chain, provider: evm.provider, confirmations: evm.confirmations } : null,
      xrpl: custody.some((c) => c.chain === XRPL_CHAIN) ? deps.xrpl : null,
      thresholds: config.RECONCILIATION_DRIFT_THRESHOLDS
        ? parseAmountsPerCurrency(config.RECONCILIATION_DRIFT_THRESHOLDS)
        : new Map(),
    });
    return {
      activities,
      sweeps: [{ name: 'chain event booking', everyMs: BOOKING_INTERVAL_MS, run: () => activities.bookChainEvents() }],
    };
  },
};
