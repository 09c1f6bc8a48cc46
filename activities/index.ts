/** Every activity the worker registers, built from its dependencies. */
import type { XrplConnection } from '../chains/xrpl/connection.js';
import type { CurrencyCatalog } from '../services/currencies/catalog.js';
import type { EvmContext } from '../chains/evm/context.js';
import { createAuditActivities } from './audit/activities.js';
import { createBetActivities } from './betting/activities.js';
import { createDepositActivities } from './deposits/credit.js';
import { createEvmCollectorActivities } from './collection/collector/activities.js';
import { createEvmDepositActivities, type TemporalContext } from './deposits/evm.js';
import { createGasKeeperActivities } from './collection/gas-keeper.js';
import { createNotificationActivities } from './notifications/activities.js';
import { createWithdrawalActivities, type WithdrawalActivityDeps } from './withdrawals/activities.js';
import { createXrplActivities } from './xrpl-tracking/activities.js';

export interface ActivityDeps extends WithdrawalActivityDeps {
  xrpl: XrplConnection;
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
    ...createWithdrawalActivities(deps),
    ...createXrplActivities(deps),
    ...createBetActivities(deps),
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
