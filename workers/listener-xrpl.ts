/**
 * Entry point: the XRPL listener. One is active per deployment (a Postgres leader lock); others stand by. The active
 * one follows every watched account, signals deposit workflows (retrying from the outbox), and starts an
 * incremental backfill of every account once it is subscribed.
 */
import { Client, Connection } from '@temporalio/client';
import { XrplListener } from '../chains/xrpl/listener/listener.js';
import { requestBackfill } from '../services/xrpl-tracking/client.js';
import { signalDeposits, signalPayouts } from '../services/xrpl-tracking/outbox.js';
import type { TemporalTarget } from '../platform/temporal/target.js';
import { createSql } from '../platform/db/client.js';
import { acquireLeadership, type Leadership } from '../platform/db/leader-lock.js';
import { migrate } from '../platform/db/migrate.js';
import { ensureDepositAccount } from '../services/xrpl-tracking/accounts-store.js';
import { unsignalledDeposits } from '../services/xrpl-tracking/payments-store.js';
import { loadConfigOrExit, required } from '../platform/config.js';
import { createLogger } from '../platform/log.js';
import { retryUntilConnected } from '../platform/retry.js';
import { onShutdown } from '../platform/shutdown.js';

const OUTBOX_SWEEP_MS = 10_000;

const config = loadConfigOrExit();
const log = createLogger('listener-xrpl', config.LOG_LEVEL);
const sql = createSql(required(config, 'DATABASE_URL'), {
  max: config.DATABASE_POOL_MAX,
  applicationName: 'sluice-listener-xrpl',
});
// lazy: deposits wait in the outbox while Temporal is down
const connection = Connection.lazy({ address: required(config, 'TEMPORAL_ADDRESS') });
const temporal: TemporalTarget = {
  client: new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }),
  taskQueue: config.TEMPORAL_TASK_QUEUE,
};

const stopping = new AbortController();
let leadership: Leadership | undefined;
let listener: XrplListener | undefined;
let outbox: NodeJS.Timeout | undefined;
onShutdown(log, async () => {
  stopping.abort();
  clearInterval(outbox);
  await listener?.stop();
  await leadership?.release();
  await Promise.allSettled([sql.end({ timeout: 5 }), connection.close()]);
});

await retryUntilConnected(log, 'the database', () => migrate(sql));
leadership = await acquireLeadership(required(config, 'DATABASE_URL'), 'listener-xrpl', {
  signal: stopping.signal,
  onStandby: () => log.info('another XRPL listener is active; standing by'),
}).catch((error: unknown) => {
  if (stopping.signal.aborted) return new Promise<never>(() => {}); // stopped while standing by: the shutdown exits
  throw error;
});
void leadership.lost.then((reason) => {
  log.error({ reason }, 'lost the XRPL listener lock; exiting so that only one listener runs');
  process.exit(1);
});
log.info({ url: config.XRPL_URL }, 'this is the active XRPL listener');

if (config.XRPL_DEPOSIT_ADDRESS) await ensureDepositAccount(sql, config.XRPL_DEPOSIT_ADDRESS);
listener = new XrplListener({
  url: config.XRPL_URL,
  sql,
  log,
  onDeposits: (deposits) => signalDeposits(temporal, sql, deposits),
  onPayouts: (payouts) => signalPayouts(temporal, payouts),
  reconnectMs: { min: 500, max: config.XRPL_RECONNECT_MAX_SECONDS * 1000 },
  stallMs: config.XRPL_STALL_SECONDS * 1000,
});
// subscribed first, then backfilled: together they leave no gap for any account
listener.once('following', (addresses) => void requestStartupBackfills(addresses));
await listener.start();

const sweepOutbox = async () => {
  const pending = await unsignalledDeposits(sql, 500);
  if (pending.length === 0) return;
  log.info({ deposits: pending.length }, 'signalling XRPL deposits from the outbox');
  await signalDeposits(temporal, sql, pending);
};
const sweepOutboxLogged = () => void sweepOutbox().catch((error) => log.warn({ err: error }, 'outbox sweep failed; will retry'));
outbox = setInterval(sweepOutboxLogged, OUTBOX_SWEEP_MS);
sweepOutboxLogged(); // what a previous run recorded but could not signal

async function requestStartupBackfills(addresses: string[]): Promise<void> {
  for (const address of addresses) {
    await retryUntilConnected(
      log,
      'Temporal (to start a backfill)',
      () => requestBackfill(temporal, address, 'incremental', 'start-up'),
      30_000,
    );
    if (stopping.signal.aborted) return;
  }
  log.info({ accounts: addresses.length }, 'start-up backfills requested');
}
