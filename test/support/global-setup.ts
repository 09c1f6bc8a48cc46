/**
 * Starts the real services once per test run: embedded PostgreSQL with a migrated template database (each test file
 * clones it), the Temporal dev server (each stack gets its own namespace), anvil, and the workflow bundle.
 */
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { createSql } from '../../platform/db/client.js';
import { migrate } from '../../platform/db/migrate.js';
import { startAnvil } from '../../platform/embedded/anvil.js';
import { startEmbeddedPostgres } from '../../platform/embedded/postgres.js';
import { startTemporalDevServer } from '../../platform/embedded/temporal.js';
import { temporalCliPath } from '../../platform/tools.js';
import { freePort } from './ports.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    temporalAddress: string;
    evmRpcUrl: string;
    evmWsUrl: string;
    workflowBundlePath: string;
    testDataDir: string;
  }
}

export const TEMPLATE_DATABASE = 'sluice_template';

export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-test-'));
  await chmod(dir, 0o755); // initdb runs as the postgres user and must reach the data directory

  const [pgPort, temporalPort, anvilPort] = [await freePort(), await freePort(), await freePort()];
  const [pg, temporal, anvil, bundle] = await Promise.all([
    startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), port: pgPort, password: 'test', persistent: false }),
    startTemporalDevServer({ cli: temporalCliPath(), port: temporalPort, logFile: join(dir, 'temporal.log') }),
    startAnvil({ port: anvilPort, blockTime: 1, logFile: join(dir, 'anvil.log') }),
    bundleWorkflowCode({ workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname, logger: quietLogger }),
  ]);

  await pg.ensureDatabase(TEMPLATE_DATABASE);
  const sql = createSql(pg.url(TEMPLATE_DATABASE), { max: 1 });
  await migrate(sql);
  await sql.end();

  const workflowBundlePath = join(dir, 'workflow-bundle.js');
  await writeFile(workflowBundlePath, bundle.code);

  project.provide('pgAdminUrl', pg.url('postgres'));
  project.provide('pgTemplate', TEMPLATE_DATABASE);
  project.provide('temporalAddress', temporal.address);
  project.provide('evmRpcUrl', anvil.rpcUrl);
  project.provide('evmWsUrl', anvil.wsUrl);
  project.provide('workflowBundlePath', workflowBundlePath);
  project.provide('testDataDir', dir);

  return async () => {
    await Promise.allSettled([temporal.stop(), anvil.stop()]);
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
