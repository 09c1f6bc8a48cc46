/** Every activity the worker registers, built from its dependencies. */
import type { Sql } from '../db/client.js';
import type { CurrencyCatalog } from '../db/currencies.js';
import type { EvmContext } from '../workers/evm-context.js';
import type { Logger } from '../workers/log.js';
import { createAuditActivities } from './audit.js';
import { createDepositActivities } from './deposits.js';
import { createEvmCollectorActivities } from './evm-collector.js';
import { createEvmDepositActivities, type TemporalContext } from './evm-deposits.js';
import { createGasKeeperActivities } from './gas-keeper.js';
import { createNotificationActivities } from './notifications.js';

export interface ActivityDeps {
  sql: Sql;
  log: Logger;
  /** For activities that start or signal workflows. */
  temporal?: TemporalContext;
  currencies?: CurrencyCatalog;
  /** EVM deposits and collection, when configured. */
  evm?: EvmContext;
}

export function createActivities(deps: ActivityDeps) {
  return {
    ...createAuditActivities(deps),
    ...createDepositActivities(deps),
    ...createNotificationActivities(deps),
    ...evmActivities(deps),
  };
}

function evmActivities({ evm, temporal, currencies, ...deps }: ActivityDeps) {
  if (!evm || !temporal || !currencies) return {};
  return {
    ...createEvmDepositActivities({ ...deps, temporal }),
    ...createEvmCollectorActivities({ ...deps, temporal, evm, currencies }),
    ...createGasKeeperActivities({ ...deps, evm }),
  };
}
