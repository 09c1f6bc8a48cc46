/**
 * The XRPL listener process (workers/listener-xrpl.ts) on its own stack for benches and the fault suite: embedded
 * PostgreSQL, the Temporal dev server (with Sluice's search attributes, as the worker would register them), the
 * rippled double streaming to it, and `accounts` watched accounts, followed live before this resolves.
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { createSql, type Sql } from '../../platform/db/client.js';
import { migrate } from '../../platform/db/migrate.js';
import { startEmbeddedPostgres } from '../../platform/embedded/postgres.js';
import { spawnEntryPoint, waitUntil, type ServiceProcess } from '../../platform/embedded/process.js';
import { startTemporalDevServer } from '../../platform/embedded/temporal.js';
import { watchedTemporaryDir } from '../../platform/embedded/watchdog.js';
import { ensureSearchAttributes } from '../../platform/temporal/setup.js';
import { temporalCliPath } from '../../platform/tools.js';
import { recordBackfillCompleted, watchAccount } from '../../services/xrpl-tracking/accounts-store.js';
import { freePort } from '../../test/support/ports.js';
import { issuedPayment, randomAddress, xrpPayment, type LedgerTransaction } from '../../test/support/rippled/payments.js';
import { FakeRippled } from '../../test/support/rippled/server.js';

export interface XrplListenerStack {
  sql: Sql;
  rippled: FakeRippled;
  accounts: string[];
  listener: ServiceProcess;
  stop(): Promise<void>;
}

export async function startXrplListenerStack(
  name: string,
  options: { accounts: number; onPublish?: (hash: string) => void; listenerEnv?: Record<string, string> },
): Promise<XrplListenerStack> {
  // watched: should the bench be killed, PostgreSQL and the Temporal dev server stop too (the listener stops on its own)
  const scratch = await watchedTemporaryDir(`sluice-${name}-`);
  const dir = scratch.dir;
  const pg = await startEmbeddedPostgres({
    dataDir: join(dir, 'postgres'),
    port: await freePort(),
    password: 'bench',
    persistent: false,
  });
  scratch.watch('postgres', pg.process, 'SIGINT');
  await pg.ensureDatabase('bench');
  const sql = createSql(pg.url('bench'), { max: 4 });
  await migrate(sql);
  const temporal = await startTemporalDevServer({
    cli: temporalCliPath(),
    port: await freePort(),
    logFile: join(dir, 'temporal.log'),
  });
  scratch.watch('temporal', temporal.process);
  const connection = await Connection.connect({ address: temporal.address });
  await ensureSearchAttributes(connection, 'default', pino({ level: 'silent' }));
  await connection.close();

  const rippled = await FakeRippled.start({ onPublish: options.onPublish });
  const accounts = Array.from({ length: options.accounts }, randomAddress);
  for (const address of accounts) {
    await watchAccount(sql, { address, label: null });
    await recordBackfillCompleted(sql, address, rippled.validatedLedger);
  }
  const listener = spawnEntryPoint('listener-xrpl', {
    env: {
      ...process.env,
      DATABASE_URL: pg.url('bench'),
      TEMPORAL_ADDRESS: temporal.address,
      XRPL_URL: rippled.url,
      LOG_LEVEL: process.env.LISTENER_LOG_LEVEL ?? 'warn',
      ...options.listenerEnv,
    },
    logFile: join(dir, 'listener.log'),
  });
  const stop = async () => {
    await listener.stop('SIGTERM');
    await rippled.close();
    await temporal.stop();
    await sql.end();
    await pg.stop();
    if (process.env.KEEP_BENCH_DIR) console.log(`kept ${dir}`);
    await scratch.close({ keep: Boolean(process.env.KEEP_BENCH_DIR) });
  };
  try {
    // followed live once every account's checkpoint moves past where its history was complete
    const before = rippled.validatedLedger;
    await waitUntil(
      'the listener following every account',
      async () => {
        rippled.closeLedger();
        const [row] = await sql`select count(*)::int as n from xrpl_accounts where complete_through_ledger > ${before}`;
        if (row!.n !== options.accounts) throw new Error(`${row!.n} of ${options.accounts}`);
      },
      { timeoutMs: 60_000, intervalMs: 300, process: listener },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { sql, rippled, accounts, listener, stop };
}

/** The i-th of a varied stream of payments to `account`: 80% XRP with destination tags, 20% issued currency. */
export function variedPayment(account: string, i: number): LedgerTransaction {
  const from = randomAddress();
  return i % 5 === 4
    ? issuedPayment({ from, to: account, currency: 'USD', issuer: 'rvYAfWj5gh67oV6fW32ZzP3Aw4Eubs59B', value: `${i}.25` })
    : xrpPayment({ from, to: account, drops: BigInt(1_000 + i), tag: i % 1_000 });
}
