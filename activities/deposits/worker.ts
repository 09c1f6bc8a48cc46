/**
 * Deposits' part of the worker: crediting activities, the EVM deposit workflow's when the EVM chain is configured, and
 * the sweep telling held XRPL deposits' workflows of their credit.
 */
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import { required } from '../../platform/config.js';
import type { ConversionDeps } from '../../services/deposits/conversions.js';
import { DepositCreditor } from '../../services/deposits/creditor.js';
import { tellLeftUntold } from '../../services/deposits/untold-credits.js';
import { QuoteWriter } from '../../services/fast-exchange/client.js';
import { CurrentRates } from '../../services/rates/client.js';
import { SettingsResolver } from '../../services/settings/client.js';
import { UserDirectory } from '../../services/users-auth/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createDepositActivities } from './credit.js';
import { createEvmDepositActivities } from './evm.js';

/**
 * Auto-conversion swaps through fast exchange as a user's own swap would. The caches it reads through here have no
 * invalidation listener in the worker, so they read every time (read-through), which a deposit's pace allows.
 */
function conversionDeps(deps: WorkerDeps): ConversionDeps {
  const { sql, log, currencies, ledger, config } = deps;
  return {
    sql,
    log,
    currencies,
    exchange: {
      sql,
      ledger,
      currencies,
      rates: new CurrentRates(sql),
      settings: new SettingsResolver(sql),
      users: new UserDirectory(sql, deriveKey(required(config, 'SECRET_KEY'), 'api-keys')),
      quotes: new QuoteWriter(sql),
    },
  };
}

export const depositsFeature: WorkerFeature<WorkerDeps> = {
  name: 'deposits',
  start: async (deps) => {
    // one creditor per worker: every credit activity of the process shares its batches
    const withCreditor = { ...deps, creditor: new DepositCreditor(deps.sql), conversion: conversionDeps(deps) };
    return {
      activities: {
        ...createDepositActivities(withCreditor),
        ...(deps.evm ? createEvmDepositActivities(withCreditor) : {}),
      },
      sweeps: [
        {
          // a held XRPL deposit credited whose workflow was not told (Temporal away at the operator's credit, a
          // releasing run from before its pages) is told here
          name: 'held XRPL deposit credit sweep',
          everyMs: deps.config.START_SWEEP_INTERVAL,
          run: () => tellLeftUntold(deps, deps.config.START_SWEEP_INTERVAL / 1000),
        },
      ],
    };
  },
};
