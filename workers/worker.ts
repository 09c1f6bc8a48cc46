/** Entry point: the Temporal worker, running every Sluice workflow and activity on the task queue. */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createSql } from '../db/client.js';
import { CurrencyCatalog, setTokenContract } from '../db/currencies.js';
import { migrate } from '../db/migrate.js';
import { exitOnConfigError, loadConfigOrExit, required } from './config.js';
import { createLogger } from './log.js';
import { onShutdown } from './shutdown.js';
import { createEvmContext, evmCollectionEnabled } from './evm-context.js';
import { ensureGasKeeper } from './evm-setup.js';
import { ensureNamespace, ensureSchedules, ensureSearchAttributes } from './temporal-setup.js';
import { retryUntilConnected } from './retry.js';

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
await ensureSchedules(
  client,
  { taskQueue: config.TEMPORAL_TASK_QUEUE, auditIntervalMinutes: config.LEDGER_AUDIT_INTERVAL_MINUTES },
  log,
);

const evm = evmCollectionEnabled(config) ? await createEvmContext(config, sql, log).catch(exitOnConfigError) : undefined;
if (evm) await ensureGasKeeper(client, config.TEMPORAL_TASK_QUEUE, evm, log);
else log.info('EVM collection is off: set EVM_RPC_URL and EVM_DEPOSIT_MNEMONIC to run it');

const worker = await Worker.create({
  connection: await NativeConnection.connect({ address }),
  namespace,
  taskQueue: config.TEMPORAL_TASK_QUEUE,
  // a prebuilt bundle (Docker image, test runs) skips bundling at start-up
  ...(process.env.WORKFLOW_BUNDLE_PATH
    ? { workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE_PATH } }
    : { workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname }),
  activities: createActivities({ sql, log, temporal: { client, taskQueue: config.TEMPORAL_TASK_QUEUE }, currencies: new CurrencyCatalog(sql), evm }),
});

onShutdown(log, async () => {
  worker.shutdown();
  await running;
  evm?.provider.destroy();
  await Promise.allSettled([sql.end({ timeout: 5 }), connection.close()]);
});
log.info({ namespace, taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker polling');
const running = worker.run();
await running;
