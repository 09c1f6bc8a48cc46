/** Every activity the worker registers, built from its dependencies. */
import type { WithdrawalProvider } from '../chains/withdrawal-provider.js';
import type { XrplConnection } from '../chains/xrpl/connection.js';
import type { Sql } from '../db/client.js';
import type { LedgerWriter } from '../db/ledger/writer.js';
import type { Mailer } from '../mail/mailer.js';
import type { CurrencyCatalog } from '../db/currencies.js';
import type { EvmContext } from '../workers/evm-context.js';
import type { Logger } from '../workers/log.js';
import { createAuditActivities } from './audit.js';
import { createBetActivities } from './bets.js';
import { createDepositActivities } from './deposits.js';
import { createEvmCollectorActivities } from './evm-collector.js';
import { createEvmDepositActivities, type TemporalContext } from './evm-deposits.js';
import { createGasKeeperActivities } from './gas-keeper.js';
import { createNotificationActivities } from './notifications.js';
import { createWithdrawalActivities } from './withdrawals.js';
import { createXrplActivities } from './xrpl.js';

export interface ActivityDeps {
  sql: Sql;
  log: Logger;
  ledger: LedgerWriter;
  mailer: Mailer | null;
  /** Hot wallets that pay withdrawals, by provider id. */
  withdrawalProviders: Map<string, WithdrawalProvider>;
  keys: { withdrawalCodes: Buffer; totp: Buffer };
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
    ...createWithdrawalActivities({ ...deps, providers: deps.withdrawalProviders }),
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
