/**
 * A fresh embedded PostgreSQL for a bench: a temporary directory with the migrated database `bench`, stopped and
 * removed when the bench's body ends, whether it succeeds or throws, and by the watchdog should the bench be killed.
 * With `temporal`, a Temporal dev server beside it, for an API process the bench starts (stopped the same way).
 */
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import pino from 'pino';
import { createSql, type Sql } from '../../platform/db/client.js';
import { migrate } from '../../platform/db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../platform/embedded/postgres.js';
import { DEV_SERVER_TUNING, startTemporalDevServer } from '../../platform/embedded/temporal.js';
import { watchedTemporaryDir } from '../../platform/embedded/watchdog.js';
import { ensureSearchAttributes } from '../../platform/temporal/setup.js';
import { temporalCliPath } from '../../platform/tools.js';
import { freePort } from '../../test/support/ports.js';

export interface BenchDatabase {
  /** A pool on `bench`, already migrated; the body ends it when it is done. */
  sql: Sql;
  /** The server, for more databases (`pg.ensureDatabase`, `pg.url`). */
  pg: EmbeddedPostgresServer;
  /** The Temporal dev server's address, when asked for (`temporal`). */
  temporalAddress?: string;
}

export async function withBenchDatabase(
  options: { maxConnections: number; temporal?: boolean },
  body: (db: BenchDatabase) => Promise<void>,
): Promise<void> {
  const scratch = await watchedTemporaryDir('sluice-bench-');
  const pg = await startEmbeddedPostgres({
    dataDir: join(scratch.dir, 'pg'),
    port: await freePort(),
    password: 'bench',
    persistent: false,
  }).catch(async (error: unknown) => {
    await scratch.close();
    throw error;
  });
  scratch.watch('postgres', pg.process, 'SIGINT');
  let stopTemporal = async () => {};
  try {
    let temporalAddress: string | undefined;
    if (options.temporal) {
      // the dev stack's settings (workers/dev.ts), as the API benches' stacks run it
      const temporal = await startTemporalDevServer({
        cli: temporalCliPath(),
        port: await freePort(),
        extraArgs: DEV_SERVER_TUNING,
      });
      scratch.watch('temporal', temporal.process, 'SIGTERM');
      stopTemporal = () => temporal.stop();
      temporalAddress = temporal.address;
      // as the worker registers them at start-up: the API's workflow starts carry them
      const connection = await Connection.connect({ address: temporalAddress });
      await ensureSearchAttributes(connection, 'default', pino({ level: 'silent' }));
      await connection.close();
    }
    await pg.ensureDatabase('bench');
    const sql = createSql(pg.url('bench'), { max: options.maxConnections });
    await migrate(sql);
    await body({ sql, pg, temporalAddress });
  } finally {
    await stopTemporal();
    await pg.stop();
    await scratch.close();
  }
}
