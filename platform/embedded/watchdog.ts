/**
 * The embedded stack's watchdog (workers/dev-watchdog.ts) over a data dir: should the process that started PostgreSQL,
 * the Temporal dev server or anvil die without stopping them (kill -9, the OOM killer, a timeout's SIGKILL), the
 * watchdog stops every process still recorded in the data dir's pid file, which would otherwise outlive it holding
 * ports, memory and disk. The dev stack, the test set-up and the benches share it.
 */
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PidFile, stackPidFile } from './pid-file.js';
import { spawnEntryPoint, type ServiceProcess } from './process.js';

/** Resolves once the watchdog watches; it writes DATA_DIR/logs/watchdog.log, so that folder must exist. */
export async function startWatchdog(dataDir: string): Promise<ServiceProcess> {
  const watchdog = spawnEntryPoint('dev-watchdog', {
    env: { ...process.env, DATA_DIR: dataDir },
    output: 'ignore', // it writes logs/watchdog.log itself: a pipe to this process would die with it
  });
  await new Promise<void>((resolve, reject) => {
    watchdog.child.once('message', () => resolve());
    void watchdog.exited.then((code) => reject(new Error(`the watchdog exited while starting (exit code ${code})`)));
  });
  return watchdog;
}

/** A temporary directory whose servers are watched: `watch` records one, `close` stops watching and removes it all. */
export interface WatchedDir {
  dir: string;
  /** PostgreSQL's fast shutdown is SIGINT; the Temporal dev server stops on SIGTERM. */
  watch(name: string, server: ServiceProcess, stopSignal?: NodeJS.Signals): void;
  /** Call once the servers are stopped; `keep` leaves the directory (its logs) in place. */
  close(options?: { keep?: boolean }): Promise<void>;
}

export async function watchedTemporaryDir(prefix: string): Promise<WatchedDir> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await chmod(dir, 0o755); // initdb runs as the postgres user and must reach the data directory
  await mkdir(join(dir, 'logs'));
  const pids = new PidFile(stackPidFile(dir));
  const watchdog = await startWatchdog(dir);
  return {
    dir,
    watch: (name, server, stopSignal = 'SIGTERM') => pids.record(name, server.child.pid!, stopSignal),
    async close(options = {}) {
      pids.remove(); // first: the watchdog then finds nothing to stop
      await watchdog.stop();
      if (!options.keep) await rm(dir, { recursive: true, force: true });
    },
  };
}
