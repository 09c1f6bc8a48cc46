/**
 * Entry point: the Temporal worker, running every Sluice workflow and the activities the features contribute
 * (activities/index.ts lists them). This file builds what they share, starts them, and stops everything in order.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { workerFeatures } from '../activities/index.js';
import { createEvmContext, evmCollectionEnabled } from '../chains/evm/context.js';
import { XrplConnection } from '../chains/xrpl/connection.js';
import { exitOnConfigError, loadConfigOrExit, required, telegramBot, workerTuning } from '../platform/config.js';
import { createSql } from '../platform/db/client.js';
import { migrate } from '../platform/db/migrate.js';
import { createLogger } from '../platform/log.js';
import { createMailer } from '../platform/mail/mailer.js';
import { retryUntilConnected } from '../platform/retry.js';
import { onShutdown } from '../platform/shutdown.js';
import { TelegramBotApi } from '../platform/telegram/bot-api.js';
import { ensureNamespace, ensureSearchAttributes } from '../platform/temporal/setup.js';
import { startFeatures } from '../platform/worker-feature.js';
import { CurrencyCatalog, setTokenContract } from '../services/currencies/catalog.js';
import { LedgerWriter } from '../services/ledger/writer.js';

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

// one native connection for the worker and the features' client, so the workflows the worker starts itself (webhook
// deliveries, invoices) may start eagerly on it (platform/temporal/target.ts)
const nativeConnection = await NativeConnection.connect({ address });

const xrpl = new XrplConnection(config.XRPL_URL, log.child({ component: 'xrpl' }));
const evm = evmCollectionEnabled(config) ? await createEvmContext(config, sql, log).catch(exitOnConfigError) : undefined;
const mailer = config.SMTP_URL ? createMailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM }) : null;
if (!mailer) log.warn('SMTP_URL is not set: withdrawal codes, notifications and reports cannot be mailed until it is');
const bot = telegramBot(config);
const features = await startFeatures(workerFeatures, {
  config,
  log,
  sql,
  temporal: {
    client: new Client({ connection: nativeConnection, namespace }),
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    eagerStart: true,
  },
  ledger: new LedgerWriter(sql),
  currencies: new CurrencyCatalog(sql),
  xrpl,
  evm,
  mailer,
  telegram: bot ? new TelegramBotApi(bot) : null,
});

const worker = await Worker.create({
  connection: nativeConnection,
  namespace,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  // a prebuilt bundle (Docker image, test runs) skips bundling at start-up
  ...(process.env.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname }),
  activities: features.activities,
  ...workerTuning(config),
});
const stopSweeps = features.runSweeps(log);

onShutdown(log, async () => {
  stopSweeps();
  worker.shutdown();
  await running;
  await features.close();
  evm?.provider.destroy();
  await evm?.signers.close();
  mailer?.close();
  await Promise.allSettled([sql.end({ timeout: 5 }), connection.close(), nativeConnection.close(), xrpl.close()]);
});
log.info({ namespace, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
const running = worker.run();
await running;
