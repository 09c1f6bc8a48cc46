/**
 * Entry point: the EVM listener. Single active per chain: it holds a Postgres advisory lock on a connection of its
 * own while it runs; a second listener waits as a standby and takes over when the first one's connection ends.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { NewHeads } from '../chains/evm/new-heads.js';
import { createEvmProvider, detectChain } from '../chains/evm/provider.js';
import { createSql } from '../platform/db/client.js';
import { stillLeads, tryLead } from '../chains/evm/listener-lock.js';
import { migrate } from '../platform/db/migrate.js';
import { ConfigError, exitOnConfigError, loadConfigOrExit, required } from '../platform/config.js';
import { EvmListener } from '../chains/evm/listener/listener.js';
import { ListenerOutbox } from '../services/deposits/evm-outbox.js';
import { createLogger } from '../platform/log.js';
import { retryUntilConnected } from '../platform/retry.js';
import { onShutdown } from '../platform/shutdown.js';

const config = loadConfigOrExit();
const log = createLogger('listener-evm', config.LOG_LEVEL);
if (config.EVM_REORG_DEPTH < config.EVM_CONFIRMATIONS) {
  exitOnConfigError(new ConfigError('Invalid configuration:\n  EVM_REORG_DEPTH: must be at least EVM_CONFIRMATIONS'));
}

const sql = createSql(required(config, 'DATABASE_URL'), { max: 4, applicationName: 'sluice-listener-evm' });
await retryUntilConnected(log, 'the database', () => migrate(sql));
const provider = createEvmProvider(required(config, 'EVM_RPC_URL'));
const { chain } = await retryUntilConnected(log, 'the EVM node', () => detectChain(provider, config.EVM_CHAIN_ID));
const address = required(config, 'TEMPORAL_ADDRESS');
const connection = await retryUntilConnected(log, `Temporal at ${address}`, () => Connection.connect({ address }));
const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE });

const heads = new NewHeads(config.EVM_WS_URL, log, {
  pollIntervalMs: config.EVM_POLL_INTERVAL_MS,
  safetyIntervalMs: config.EVM_POLL_INTERVAL_MS * 5,
});
const listener = new EvmListener({
  sql,
  provider,
  heads,
  outbox: new ListenerOutbox({
    sql,
    client,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    chain,
    log,
    concurrency: config.EVM_SIGNAL_CONCURRENCY,
  }),
  log,
  settings: {
    chain,
    confirmations: config.EVM_CONFIRMATIONS,
    reorgDepth: config.EVM_REORG_DEPTH,
    blockRange: config.EVM_BLOCK_RANGE,
    traceInternal: config.EVM_TRACE_INTERNAL,
    startBlock: config.EVM_START_BLOCK === undefined ? undefined : BigInt(config.EVM_START_BLOCK),
  },
});

let stopping = false;
onShutdown(log, async () => {
  stopping = true;
  listener.stop();
  heads.stop();
  await running;
  provider.destroy();
  await Promise.allSettled([sql.end({ timeout: 5 }), connection.close()]);
});

/**
 * Leads while it holds the lock, on a connection of its own: the lock lives as long as that session does, so a
 * listener whose session broke stands down (another may lead now) and competes again on a new connection.
 */
async function lead(): Promise<void> {
  heads.start();
  while (!stopping) {
    const lockSql = createSql(required(config, 'DATABASE_URL'), { max: 1, applicationName: 'sluice-listener-evm-lock' });
    try {
      const session = await lockSql.reserve();
      for (let announced = false; !stopping && !(await tryLead(session, chain)); announced = true) {
        if (!announced) log.info({ chain }, 'another listener is active; standing by');
        await sleep(2_000);
      }
      if (!stopping) {
        log.info({ chain, confirmations: config.EVM_CONFIRMATIONS, reorgDepth: config.EVM_REORG_DEPTH }, 'listener active');
        await listener.run(() => stillLeads(session, chain));
      }
      session.release();
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'listener lock connection failed');
    } finally {
      await lockSql.end({ timeout: 1 });
    }
    if (!stopping) await sleep(1_000);
  }
}

const running = lead().catch((error) => {
  if (error instanceof ConfigError) exitOnConfigError(error);
  log.fatal({ err: error }, 'listener failed');
  process.exit(1);
});
await running;
