/**
 * A real stack for API benchmarks, on free ports in a temporary directory: embedded PostgreSQL, the Temporal dev
 * server, the worker and the API as their own processes (BENCH_API_PROCESSES / BENCH_API_NODE_ARGS reach the API, see
 * api-process.ts). Plus the load generator's pieces: a driver of N calls from C loops, and a one-line report of a run.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedPostgres, type EmbeddedPostgresServer } from '../../platform/embedded/postgres.js';
import { spawnEntryPoint, waitUntil, type ServiceProcess } from '../../platform/embedded/process.js';
import { DEV_SERVER_TUNING, startTemporalDevServer, type TemporalDevServer } from '../../platform/embedded/temporal.js';
import { watchedTemporaryDir, type WatchedDir } from '../../platform/embedded/watchdog.js';
import { temporalCliPath } from '../../platform/tools.js';
import { ApiClient } from '../../test/support/http.js';
import { freePort } from '../../test/support/ports.js';
import { apiNodeArgs, apiProcessEnv } from './api-process.js';

export interface ApiStack {
  api: ApiClient;
  baseUrl: string;
  databaseUrl: string;
  adminToken: string;
  temporal: Client;
  /** Stops the API process (say, so that an engine run in the bench's own process can take over its markets). */
  stopApi: () => Promise<void>;
}

/**
 * Runs `bench` against a fresh stack and tears everything down afterwards, whatever happens. `env` adds settings for
 * both processes (a bench's doubles of the outside world).
 */
export async function withApiStack(
  name: string,
  bench: (stack: ApiStack) => Promise<void>,
  env: Record<string, string> = {},
): Promise<void> {
  // watched: should the bench be killed, PostgreSQL and the Temporal dev server stop too (the Node parts stop on their own)
  const scratch = await watchedTemporaryDir(`sluice-bench-${name}-`);
  const stops: Array<() => Promise<unknown>> = [];
  try {
    await bench(await startApiStack(scratch, stops, env));
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await scratch.close();
  }
}

async function startApiStack(
  scratch: WatchedDir,
  stops: Array<() => Promise<unknown>>,
  extraEnv: Record<string, string>,
): Promise<ApiStack> {
  const dir = scratch.dir;
  const [pgPort, temporalPort, apiPort] = [await freePort(), await freePort(), await freePort()];
  // each server is watched and stopped once it is up, whether or not the other starts: a failed start of one must not
  // leave the other running with nothing to stop it
  const up = <S extends { process: ServiceProcess; stop(): Promise<unknown> }>(
    name: string,
    stopSignal: NodeJS.Signals,
    starting: Promise<S>,
  ) =>
    starting.then((server) => {
      scratch.watch(name, server.process, stopSignal);
      stops.push(() => server.stop());
      return server;
    });
  const started = await Promise.allSettled([
    up(
      'postgres',
      'SIGINT',
      startEmbeddedPostgres({ dataDir: join(dir, 'postgres'), port: pgPort, password: 'bench', persistent: false }),
    ),
    // the dev stack's settings (workers/dev.ts), so a bench measures what `make start` runs
    up(
      'temporal',
      'SIGTERM',
      startTemporalDevServer({
        cli: temporalCliPath(),
        port: temporalPort,
        logFile: join(dir, 'temporal.log'),
        extraArgs: DEV_SERVER_TUNING,
      }),
    ),
  ]);
  const [pg, temporal] = started.map((s) => {
    if (s.status === 'rejected') throw s.reason;
    return s.value;
  }) as [EmbeddedPostgresServer, TemporalDevServer];
  await pg.ensureDatabase('sluice');

  const admin = { email: 'admin@bench.local', password: 'bench admin password' };
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    SLUICE_ENV: 'dev',
    LOG_LEVEL: 'warn',
    DATA_DIR: dir,
    HOST: '127.0.0.1',
    PORT: String(apiPort),
    DATABASE_URL: pg.url('sluice'),
    TEMPORAL_ADDRESS: temporal.address,
    SECRET_KEY: randomBytes(32).toString('hex'),
    ADMIN_EMAIL: admin.email,
    ADMIN_PASSWORD: admin.password,
    ...apiProcessEnv(),
    ...extraEnv,
  };
  const spawn = (name: 'api' | 'worker'): ServiceProcess => {
    const nodeArgs = name === 'api' ? apiNodeArgs() : [];
    const service = spawnEntryPoint(name, { env, nodeArgs, logFile: join(dir, `${name}.log`) });
    stops.push(() => service.stop('SIGTERM'));
    return service;
  };
  const connection = await Connection.connect({ address: temporal.address });
  stops.push(() => connection.close());
  const worker = spawn('worker');
  await waitUntil(
    'the worker polling',
    async () => {
      const { pollers } = await connection.workflowService.describeTaskQueue({
        namespace: 'default',
        taskQueue: { name: 'sluice' },
        taskQueueType: 1,
      });
      if (!pollers?.length) throw new Error('no pollers yet');
    },
    { timeoutMs: 120_000, process: worker },
  );
  const apiProcess = spawn('api');
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const api = new ApiClient(baseUrl);
  await waitUntil(
    'the API',
    async () => {
      if ((await api.get('/healthz')).status !== 200) throw new Error('unhealthy');
    },
    { timeoutMs: 60_000, process: apiProcess },
  );
  return {
    api,
    baseUrl,
    databaseUrl: pg.url('sluice'),
    adminToken: await api.login(admin.email, admin.password),
    temporal: new Client({ connection, namespace: 'default' }),
    stopApi: () => apiProcess.stop('SIGTERM'),
  };
}

/** Signs up `count` users, ten at a time, and funds each through an admin adjustment. */
export async function fundedUsers(
  stack: ApiStack,
  count: number,
  prefix: string,
  funds: Record<string, string>,
): Promise<Array<{ id: string; token: string }>> {
  const users: Array<{ id: string; token: string }> = [];
  for (let i = 0; i < count; i += 10) {
    users.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(10, count - i) }, (_, j) => stack.api.signUp(`${prefix}${i + j}@bench.local`)),
      )),
    );
  }
  for (const user of users) {
    for (const [currency, amount] of Object.entries(funds)) {
      const funded = await stack.api.post(
        '/v1/ops/adjustments',
        { user_id: user.id, currency, amount, reason: 'bench funding' },
        { token: stack.adminToken, headers: { 'idempotency-key': `fund-${user.id}-${currency}` } },
      );
      if (funded.status !== 201) throw new Error(`funding: ${funded.status} ${JSON.stringify(funded.body)}`);
    }
  }
  return users;
}

export interface Run {
  seconds: number;
  latencies: number[];
  refused: number;
  /** CPU time this (the bench's) process spent, user and system. */
  cpuMs: number;
}

/** Makes `count` calls from `concurrency` loops; each call's latency in ms, sorted. */
export async function drive(count: number, concurrency: number, call: (n: number) => Promise<boolean>): Promise<Run> {
  const latencies: number[] = [];
  let next = 0;
  let refused = 0;
  const started = process.hrtime.bigint();
  const cpuBefore = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < count; n = next++) {
        const t0 = process.hrtime.bigint();
        if (!(await call(n))) refused++;
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  return {
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    latencies: latencies.sort((a, b) => a - b),
    refused,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}

export function perSecond(run: Run): number {
  return run.latencies.length / run.seconds;
}

/** CPU milliseconds of the bench's process per call of the run. */
export function cpuMsPerCall(run: Run): number {
  return run.cpuMs / run.latencies.length;
}

export function percentileOf(run: Run, p: number): number {
  return run.latencies[Math.min(run.latencies.length - 1, Math.floor((p / 100) * run.latencies.length))]!;
}

/** One line of a run's table: concurrency, calls/s, p50, p99 and max ms, and SQL statements per call when counted. */
export function printRun(concurrency: number, run: Run, sqlPerCall?: number): void {
  const cells = [
    concurrency,
    Math.round(perSecond(run)),
    percentileOf(run, 50).toFixed(1),
    percentileOf(run, 99).toFixed(1),
    run.latencies.at(-1)!.toFixed(1),
    sqlPerCall === undefined ? '' : sqlPerCall.toFixed(2),
  ];
  console.log(
    `  ${cells.map((c, i) => String(c).padStart([11, 14, 9, 9, 9, 10][i]!)).join('')}${run.refused ? `   (${run.refused} refused)` : ''}`,
  );
}
