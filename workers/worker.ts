/** Entry point: the Temporal worker, running every Sluice workflow and activity on the task queue. */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { XrplConnection } from '../chains/xrpl/connection.js';
import { XrplHotWallet } from '../chains/xrpl/hot-wallet.js';
import { ensureProviderRoutes } from '../services/withdrawals/store.js';
import { watchAccount } from '../services/xrpl-tracking/accounts-store.js';
import { createSql } from '../platform/db/client.js';
import { CurrencyCatalog, setTokenContract } from '../services/currencies/catalog.js';
import { migrate } from '../platform/db/migrate.js';
import { deriveKey } from '../platform/crypto/sealed.js';
import type { WithdrawalProvider } from '../chains/withdrawal-provider.js';
import { LedgerWriter } from '../services/ledger/writer.js';
import { createMailer } from '../platform/mail/mailer.js';
import {
  ConfigError,
  evmHotWalletKeys,
  exitOnConfigError,
  loadConfigOrExit,
  required,
  withdrawalTimings,
} from '../platform/config.js';
import { EvmHotWallet } from '../chains/evm/hot-wallet.js';
import { startUnstartedWithdrawals } from '../services/withdrawals/client.js';
import { createLogger } from '../platform/log.js';
import { onShutdown } from '../platform/shutdown.js';
import { createEvmContext, evmCollectionEnabled } from '../chains/evm/context.js';
import { ensureGasKeeper } from '../services/collection/client.js';
import { ensureNamespace, ensureSearchAttributes } from '../platform/temporal/setup.js';
import { ensureAuditSchedule } from '../services/audit/client.js';
import { retryUntilConnected } from '../platform/retry.js';

const config = loadConfigOrExit();
const log = createLogger('worker', config.LOG_LEVEL);
Runtime.install({ logger: new DefaultLogger(config.LOG_LEVEL === 'debug' || config.LOG_LEVEL === 'trace' ? 'INFO' : 'WARN') });

const sql = createSql(required(config, 'DATABASE_URL'), { max: config.DATABASE_POOL_MAX, applicationName: 'sluice-worker' });
await retryUntilConnected(log, 'the database', () => migrate(sql));
if (config.USDT_CONTRACT_ADDRESS) await setTokenContract(sql, 'USDT', config.USDT_CONTRACT_ADDRESS);

const address = required(config, 'TEMPORAL_ADDRESS');
const namespace = config.TEMPORAL_NAMESPACE;
const connection = await retryUntilConnected(log, `Temporal at ${address}`, () => Connection.connect({ address }));
await ensureNamespace(connection, namespace, log);
await ensureSearchAttributes(connection, namespace, log);
const client = new Client({ connection, namespace });
const temporal = { client, taskQueue: config.TEMPORAL_TASK_QUEUE };
await ensureAuditSchedule(temporal, config.LEDGER_AUDIT_INTERVAL_MINUTES, log);

const secretKey = required(config, 'SECRET_KEY');
const mailer = config.SMTP_URL ? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }) : null;
if (!mailer) log.warn('SMTP_URL is not set: withdrawal codes and notices cannot be mailed until it is');
const withdrawalProviders = new Map<string, WithdrawalProvider>();

// a withdrawal whose API process died between holding the funds and starting the workflow gets started here
const sweep = setInterval(() => {
  startUnstartedWithdrawals(
    client,
    sql,
    config.TEMPORAL_TASK_QUEUE,
    withdrawalTimings(config),
    log,
    config.WITHDRAWAL_SWEEP_INTERVAL / 1000,
  ).catch((error) => log.error({ err: error }, 'withdrawal sweep failed'));
}, config.WITHDRAWAL_SWEEP_INTERVAL);

const xrpl = new XrplConnection(config.XRPL_URL, log.child({ component: 'xrpl' }));
if (config.XRPL_HOT_WALLET_SEED) {
  const hotWallet = new XrplHotWallet(config.XRPL_HOT_WALLET_ID, config.XRPL_HOT_WALLET_SEED, {
    sql,
    xrpl,
    log: log.child({ provider: config.XRPL_HOT_WALLET_ID }),
  });
  withdrawalProviders.set(hotWallet.id, hotWallet);
  // watched, so the listener sees the payouts validated and tells their withdrawals
  await watchAccount(sql, { address: hotWallet.address, label: `hot wallet ${hotWallet.id}` });
}

const evm = evmCollectionEnabled(config) ? await createEvmContext(config, sql, log).catch(exitOnConfigError) : undefined;
if (evm) await ensureGasKeeper(temporal, evm.chain, evm.gasKeeperSettings, log);
else log.info('EVM collection is off: set EVM_RPC_URL and EVM_DEPOSIT_MNEMONIC to run it');
const currencies = new CurrencyCatalog(sql);
for (const { id, privateKey } of evmHotWalletKeys(config)) {
  if (!evm)
    exitOnConfigError(
      new ConfigError('Invalid configuration:\n  EVM_HOT_WALLET_KEYS: needs EVM_RPC_URL and EVM_DEPOSIT_MNEMONIC configured'),
    );
  withdrawalProviders.set(
    id,
    new EvmHotWallet(id, privateKey, ['ETH', 'USDT'], { sql, evm, catalog: currencies, log: log.child({ provider: id }) }),
  );
}
await ensureProviderRoutes(
  sql,
  [...withdrawalProviders.values()].flatMap((p) => p.currencies.map((currency) => ({ currency, providerId: p.id }))),
);

const worker = await Worker.create({
  connection: await NativeConnection.connect({ address }),
  namespace,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  // a prebuilt bundle (Docker image, test runs) skips bundling at start-up
  ...(process.env.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname }),
  activities: createActivities({
    sql,
    log,
    ledger: new LedgerWriter(sql),
    mailer,
    withdrawalProviders,
    keys: { withdrawalCodes: deriveKey(secretKey, 'withdrawal-codes'), totp: deriveKey(secretKey, 'totp') },
    xrpl,
    temporal,
    currencies,
    evm,
  }),
});

onShutdown(log, async () => {
  clearInterval(sweep);
  worker.shutdown();
  await running;
  mailer?.close();
  evm?.provider.destroy();
  await Promise.allSettled([sql.end({ timeout: 5 }), connection.close(), xrpl.close()]);
});
log.info({ namespace, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
const running = worker.run();
await running;
