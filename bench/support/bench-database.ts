/**
 * A fresh embedded PostgreSQL for a bench: a temporary directory with the migrated database `bench`, stopped and
 * removed when the bench's body ends, whether it succeeds or throws, and by the watchdog should the bench be killed.
 */
import { join } from 'node:path';
import { createSql, type Sql } from '../../platform/db/client.js';
import { migrate } from '../../platform/db/migrate.js';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../platform/embedded/postgres.js';
import { watchedTemporaryDir } from '../../platform/embedded/watchdog.js';
import { freePort } from '../../test/support/ports.js';

export interface BenchDatabase {
  /** A pool on `bench`, already migrated; the body ends it when it is done. */
  sql: Sql;
  /** The server, for more databases (`pg.ensureDatabase`, `pg.url`). */
  pg: EmbeddedPostgresServer;
}

export async function withBenchDatabase(
  options: { maxConnections: number },
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
  try {
    await pg.ensureDatabase('bench');
    const sql = createSql(pg.url('bench'), { max: options.maxConnections });
    await migrate(sql);
    await body({ sql, pg });
  } finally {
    await pg.stop();
    await scratch.close();
  }
}
