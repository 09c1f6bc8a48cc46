/**
 * Reconciliation's part of the worker: registers the custody wallets its configuration names (so the EVM listener
 * watches them for top-ups and reconciliation reads them), keeps the schedule, books chain events periodically, and
 * runs the reconciliation's activities.
 */
import { Wallet } from 'ethers';
import { Wallet as XrplWallet } from 'xrpl';
import { coldCustodyAccount, hotCustodyAccount, XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { gasKeeperAccount } from '../../domain/collection/rules.js';
import { evmHotWalletKeys, parseAmountsPerCurrency, type Config } from '../../platform/config.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import {
  ensureReconciliationSchedule,
  registerCustodyAddresses,
  type CustodyAddress,
} from '../../services/reconciliation/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createReconciliationActivities } from './activities.js';

/** How often confirmed top-ups and fees are booked between reconciliations. */
const BOOKING_INTERVAL_MS = 30_000;

function configuredCustody(config: Config, evm: WorkerDeps['evm']): CustodyAddress[] {
  const wallets: CustodyAddress[] = [];
  if (evm) {
    const { chain } = evm;
    wallets.push({ chain, address: evm.gasKeeper.address.toLowerCase(), account: gasKeeperAccount(chain), label: 'gas keeper' });
    wallets.push({ chain, address: evm.coldWallet, account: coldCustodyAccount(chain), label: 'cold wallet' });
    for (const { id, privateKey } of evmHotWalletKeys(config)) {
      const address = new Wallet(privateKey).address.toLowerCase();
      wallets.push({ chain, address, account: hotCustodyAccount(chain), label: `hot wallet ${id}` });
    }
  }
  if (config.XRPL_HOT_WALLET_SEED) {
    const address = XrplWallet.fromSeed(config.XRPL_HOT_WALLET_SEED).classicAddress;
    wallets.push({
      chain: XRPL_CHAIN,
      address,
      account: hotCustodyAccount(XRPL_CHAIN),
      label: `hot wallet ${config.XRPL_HOT_WALLET_ID}`,
    });
  }
  if (config.XRPL_DEPOSIT_ADDRESS) {
    wallets.push({
      chain: XRPL_CHAIN,
      address: config.XRPL_DEPOSIT_ADDRESS,
      account: hotCustodyAccount(XRPL_CHAIN),
      label: 'deposit address',
    });
  }
  return wallets;
}

export const reconciliationFeature: WorkerFeature<WorkerDeps> = {
  name: 'reconciliation',
  async start(deps) {
    const { config, sql, log, evm } = deps;
    const custody = configuredCustody(config, evm);
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
