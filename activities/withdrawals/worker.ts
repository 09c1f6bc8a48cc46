/**
 * Withdrawals' part of the worker: the hot wallets that pay withdrawals (registered as providers with their routes),
 * the activities (codes and notices go out by the worker's one mailer), and the sweep that starts the workflows the API did not.
 */
import { EvmHotWallet } from '../../chains/withdrawals/evm-hot-wallet.js';
import type { WithdrawalProvider } from '../../chains/withdrawals/provider.js';
import { XrplHotWallet } from '../../chains/withdrawals/xrpl-hot-wallet.js';
import { ConfigError, evmHotWalletKeys, exitOnConfigError, required, withdrawalTimings } from '../../platform/config.js';
import { deriveKey } from '../../platform/crypto/sealed.js';
import type { WorkerFeature } from '../../platform/worker-feature.js';
import { configuredCustodyAddresses } from '../../services/reconciliation/client.js';
import { startUnstartedWithdrawals } from '../../services/withdrawals/client.js';
import { ensureProviderRoutes } from '../../services/withdrawals/store.js';
import { watchOwnAccount } from '../../services/xrpl-tracking/client.js';
import type { WorkerDeps } from '../worker-deps.js';
import { createWithdrawalActivities } from './activities.js';

export const withdrawalsFeature: WorkerFeature<WorkerDeps> = {
  name: 'withdrawals',
  async start(deps) {
    const { config, sql, log, temporal } = deps;
    const secretKey = required(config, 'SECRET_KEY');
    const providers = await hotWallets(deps);
    await ensureProviderRoutes(
      sql,
      [...providers.values()].flatMap((p) => p.currencies.map((currency) => ({ currency, providerId: p.id }))),
    );
    return {
      activities: createWithdrawalActivities({
        sql,
        log,
        ledger: deps.ledger,
        mailer: deps.mailer,
        telegram: deps.telegram,
        withdrawalProviders: providers,
        keys: { withdrawalCodes: deriveKey(secretKey, 'withdrawal-codes'), totp: deriveKey(secretKey, 'totp') },
        custodyWallets: configuredCustodyAddresses(config),
      }),
      sweeps: [
        {
          // a withdrawal whose API process died between holding the funds and starting the workflow gets started here
          name: 'withdrawal sweep',
          everyMs: config.START_SWEEP_INTERVAL,
          run: () =>
            startUnstartedWithdrawals(
              temporal.client,
              sql,
              temporal.taskQueue,
              withdrawalTimings(config),
              log,
              config.START_SWEEP_INTERVAL / 1000,
            ),
        },
      ],
    };
  },
};

/** The configured hot wallets by provider id: the XRPL one, then the EVM ones (which need the EVM chain configured). */
async function hotWallets({
  config,
  sql,
  log,
  xrpl,
  evm,
  currencies,
  temporal,
}: WorkerDeps): Promise<Map<string, WithdrawalProvider>> {
  const providers = new Map<string, WithdrawalProvider>();
  if (config.XRPL_HOT_WALLET_SEED) {
    const hotWallet = new XrplHotWallet(config.XRPL_HOT_WALLET_ID, config.XRPL_HOT_WALLET_SEED, {
      sql,
      xrpl,
      log: log.child({ provider: config.XRPL_HOT_WALLET_ID }),
    });
    providers.set(hotWallet.id, hotWallet);
    // watched, so the listener sees the payouts validated and tells their withdrawals, and records the top-ups
    await watchOwnAccount(sql, temporal, { address: hotWallet.address, label: `hot wallet ${hotWallet.id}` });
  }
  for (const { id, privateKey } of evmHotWalletKeys(config)) {
    if (!evm)
      exitOnConfigError(
        new ConfigError('Invalid configuration:\n  EVM_HOT_WALLET_KEYS: needs EVM_RPC_URL and EVM_DEPOSIT_MNEMONIC configured'),
      );
    providers.set(
      id,
      new EvmHotWallet(id, privateKey, ['ETH', 'USDT'], { sql, evm, catalog: currencies, log: log.child({ provider: id }) }),
    );
  }
  return providers;
}
