/**
 * The API on several cores: API_PROCESSES processes share one port through node:cluster (node 20 has no SO_REUSEPORT
 * option; the primary accepts connections and hands them round-robin to the processes). The primary does the
 * start-up work once (migrations, the first admin) before forking, collects /metrics from all processes, and forks
 * a replacement when a process dies. Each process has its own pools, caches and invalidation listener.
 */
import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/log.js';
import { serveClusterMetrics } from './http/cluster-metrics.js';
import { prepareApi, startApiServer, type RunningApi } from './server.js';

/**
 * How many API processes to run: API_PROCESSES, or one per core but one. PostgreSQL usually shares the machine, and
 * on 2 cores a second API process measured slower than one: each process batches only its own requests, so batches
 * get smaller and wait more on each other's locks (README, "Benchmarks").
 */
export function apiProcessCount(config: Config): number {
  return config.API_PROCESSES ?? Math.max(1, availableParallelism() - 1);
}

/** Starts the API as configured and returns how to stop it (the entry point calls this once). */
export async function startApi(config: Config, log: Logger): Promise<RunningApi> {
  if (cluster.isWorker) return startClusterProcess(config, log);
  await prepareApi(config, log);
  const processes = apiProcessCount(config);
  return processes === 1 ? startApiServer(config, log) : startPrimary(config, log, processes);
}

async function startPrimary(config: Config, log: Logger, processes: number): Promise<RunningApi> {
  serveClusterMetrics();
  let stopping = false;
  const listening = new Promise<void>((resolve, reject) => {
    let ready = 0;
    cluster.on('listening', () => {
      if (++ready === processes) resolve();
    });
    // a process that dies before every one listens is a start-up failure (bad config, port taken): report it
    cluster.on('exit', (worker, code) => {
      if (ready < processes) reject(new Error(`API process ${worker.process.pid} exited with ${code} while starting`));
    });
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.error({ pid: worker.process.pid, code, signal }, 'an API process died; starting another');
    cluster.fork();
  });
  for (let i = 0; i < processes; i++) cluster.fork();
  await listening;
  const url = `http://${config.HOST}:${config.PORT}`;
  log.info({ url, processes }, 'API listening');
  return {
    url,
    async close() {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
      await Promise.all(
        workers.map((worker) => {
          const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
          worker.process.kill('SIGTERM');
          return exited;
        }),
      );
    },
  };
}

/** A process of the cluster: it serves, and stops when the primary goes away too (its port goes with it). */
async function startClusterProcess(config: Config, log: Logger): Promise<RunningApi> {
  const api = await startApiServer(config, log);
  process.once('disconnect', () => {
    void api.close().finally(() => process.exit(0));
  });
  return api;
}
