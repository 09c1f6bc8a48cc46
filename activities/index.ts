/** Every activity the worker registers, built from its dependencies. */
import type { XrplConnection } from '../chains/xrpl/connection.js';
import type { CurrencyCatalog } from '../db/currencies.js';
import type { EvmContext } from '../workers/evm-context.js';
import { createAuditActivities } from './audit.js';
import { createBetActivities } from './bets.js';
import { createDepositActivities } from './deposits.js';
import { createEvmCollectorActivities } from './evm-collector.js';
import { createEvmDepositActivities, type TemporalContext } from './evm-deposits.js';
import { createGasKeeperActivities } from './gas-keeper.js';
import { createNotificationActivities } from './notifications.js';
import { createWithdrawalActivities, type WithdrawalActivityDeps } from './withdrawals.js';
import { createXrplActivities } from './xrpl.js';

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
