/**
 * The real services the infrastructure test projects need, one function per service, composed by each project's
 * global setup (test/support/setup/*.ts): embedded PostgreSQL with a migrated template database (each test file clones
 * it), the Temporal dev server (each stack gets its own namespace), anvil, the workflow bundle, and the run's data
 * directory.
 *
 * Vitest runs every project's global setup in its main process, each through the project's own module runner: module
 * state is not shared between projects, `globalThis` is. The services live in a registry on `globalThis` with a count
 * of the projects using them, so when several projects run together (`npx vitest run`) each service starts once and
 * stops after the last project using it is torn down, while `--project workflows` alone starts only what it needs.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { ProvidedContext } from 'vitest';
import type { TestProject } from 'vitest/node';
import { createSql } from '../../platform/db/client.js';
import { migrate } from '../../platform/db/migrate.js';
import { startAnvil } from '../../platform/embedded/anvil.js';
import { watchedTemporaryDir, type WatchedDir } from '../../platform/embedded/watchdog.js';
import { startEmbeddedPostgres } from '../../platform/embedded/postgres.js';
import type { ServiceProcess } from '../../platform/embedded/process.js';
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

/** What a project's files inject, service by service (testDataDir is always provided). */
export type Service = 'postgres' | 'temporal' | 'anvil' | 'workflowBundle';

interface Running {
  /** What the project's files inject. */
  context: Partial<ProvidedContext>;
  /** The server process, for the run's watchdog. */
  process?: ServiceProcess;
  /** The run's watched directory, where the watchdog reads those processes. */
  watched?: WatchedDir;
  stop(): Promise<void>;
}

interface Entry {
  started: Promise<Running>;
  users: number;
}

const REGISTRY_KEY = Symbol.for('sluice.test.services');
const registry: Map<string, Entry> = ((globalThis as Record<symbol, unknown>)[REGISTRY_KEY] ??= new Map()) as Map<string, Entry>;

/** Starts the service once per run (or joins the projects already using it). */
async function acquire(key: string, start: () => Promise<Running>) {
  let entry = registry.get(key);
  if (!entry) {
    entry = { started: start(), users: 0 };
    registry.set(key, entry);
    entry.started.catch(() => registry.delete(key)); // a failed start is retried by the next project
  }
  entry.users += 1;
  return entry.started;
}

/** Stops the service when the last project using it lets go. */
async function release(key: string): Promise<void> {
  const entry = registry.get(key);
  if (!entry) return;
  entry.users -= 1;
  if (entry.users > 0) return;
  registry.delete(key);
  const running = await entry.started.catch(() => undefined);
  await running?.stop();
}

/**
 * The run's directory for data and logs (Postgres data, server logs, the bundle, stack logs), with the dev stack's
 * watchdog on its pid file: should Vitest's main process die without its teardown (kill -9), the watchdog stops the
 * servers it started, which cannot watch their parent themselves (the Node parts of test stacks stop on their own).
 */
async function dataDir(): Promise<{ dir: string; watched: WatchedDir }> {
  const running = await acquire('dataDir', async () => {
    const watched = await watchedTemporaryDir('sluice-test-');
    return { context: { testDataDir: watched.dir }, watched, stop: () => watched.close() };
  });
  return { dir: running.context.testDataDir!, watched: running.watched! };
}

const starters: Record<Service, (dir: string) => Promise<Running>> = {
  async postgres(dir) {
    const pg = await startEmbeddedPostgres({
      dataDir: join(dir, 'postgres'),
      port: await freePort(),
      password: 'test',
      persistent: false,
    });
    await pg.ensureDatabase(TEMPLATE_DATABASE);
    const sql = createSql(pg.url(TEMPLATE_DATABASE), { max: 1 });
    await migrate(sql);
    await sql.end();
    return {
      context: { pgAdminUrl: pg.url('postgres'), pgTemplate: TEMPLATE_DATABASE },
      process: pg.process,
      stop: () => pg.stop(),
    };
  },

  async temporal(dir) {
    const temporal = await startTemporalDevServer({
      cli: temporalCliPath(),
      port: await freePort(),
      logFile: join(dir, 'temporal.log'),
    });
    return { context: { temporalAddress: temporal.address }, process: temporal.process, stop: () => temporal.stop() };
  },

  async anvil(dir) {
    const anvil = await startAnvil({ port: await freePort(), blockTime: 1, logFile: join(dir, 'anvil.log') });
    return {
      context: { evmRpcUrl: anvil.rpcUrl, evmWsUrl: anvil.wsUrl },
      process: anvil.process,
      stop: () => anvil.stop(),
    };
  },

  async workflowBundle(dir) {
    const bundle = await bundleWorkflowCode({
      workflowsPath: new URL('../../workflows/index.ts', import.meta.url).pathname,
      logger: quietLogger,
    });
    const workflowBundlePath = join(dir, 'workflow-bundle.js');
    await writeFile(workflowBundlePath, bundle.code);
    return { context: { workflowBundlePath }, stop: async () => {} };
  },
};

/**
 * A global setup starting `services` (in parallel; those another project already started are shared) and providing
 * their addresses to the project's files; its teardown lets go of them.
 */
export function globalSetup(services: Service[]) {
  return async function setup(project: TestProject) {
    const { dir, watched } = await dataDir();
    project.provide('testDataDir', dir);
    const acquired: Service[] = [];
    const teardown = async () => {
      // Postgres last: the other servers' and stacks' connections to it go first
      await Promise.allSettled(acquired.filter((s) => s !== 'postgres').map((s) => release(s)));
      if (acquired.includes('postgres')) await release('postgres');
      await release('dataDir');
    };
    const results = await Promise.allSettled(
      services.map(async (service) => {
        const running = await acquire(service, async () => {
          const started = await starters[service](dir);
          // PostgreSQL's fast shutdown is SIGINT (as in the dev stack); the others stop on SIGTERM
          if (started.process) watched.watch(service, started.process, service === 'postgres' ? 'SIGINT' : 'SIGTERM');
          return started;
        });
        acquired.push(service);
        for (const [key, value] of Object.entries(running.context)) project.provide(key as keyof ProvidedContext, value);
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await teardown();
      throw failed.reason;
    }
    return teardown;
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
