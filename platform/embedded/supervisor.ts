/**
 * The dev stack's supervisor (workers/dev.ts): it records every part's pid in DATA_DIR, stops what an earlier run of
 * the same data dir left running, keeps a watchdog that outlives it, restarts a Node part that dies with backoff (and
 * stops the whole stack when one keeps dying), and stops everything in reverse start order.
 */
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { PidFile, readPidFile, stackPidFile, stopRecorded } from './pid-file.js';
import { logTail, spawnEntryPoint, type ServiceProcess } from './process.js';

export interface RestartPolicy {
  /** The first restart's delay; each failure in a row doubles it (at most 30 s). */
  backoffMs: number;
  /** Restarts in a row before the stack gives up; a part that ran for a minute starts counting again. */
  maxRestarts: number;
}

/** A part that stayed up this long was healthy: its next failure counts as the first. */
const HEALTHY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

export type SupervisedEntry = 'api' | 'worker' | 'mail-sink' | 'listener-evm' | 'listener-xrpl';

export class Supervisor {
  private readonly pids: PidFile;
  private readonly parts: Array<{ name: string; stop: () => Promise<void> }> = [];
  private phase: 'starting' | 'running' | 'stopping' = 'starting';
  private watchdog: ServiceProcess | undefined;

  constructor(private readonly options: { dataDir: string; logDir: string; log: Logger; restart: RestartPolicy }) {
    this.pids = new PidFile(stackPidFile(options.dataDir));
  }

  /** Stops the leftovers of an earlier run of this data dir, then records this run and starts its watchdog. */
  async begin(): Promise<void> {
    const leftovers = await stopRecorded(readPidFile(this.pids.path), { except: [process.pid] });
    if (leftovers.length > 0) {
      console.log(
        `Stopped what an earlier run of ${this.options.dataDir} left running: ${leftovers.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`,
      );
    }
    this.pids.record('supervisor', process.pid);
    const watchdog = spawnEntryPoint('dev-watchdog', {
      env: { ...process.env, DATA_DIR: this.options.dataDir },
      output: 'ignore', // it writes logs/watchdog.log itself: a pipe to this process would die with it
    });
    await new Promise<void>((resolve, reject) => {
      watchdog.child.once('message', () => resolve());
      void watchdog.exited.then((code) => reject(new Error(`the watchdog exited while starting (exit code ${code})`)));
    });
    this.watchdog = watchdog;
    this.pids.record('watchdog', watchdog.child.pid!);
  }

  /** A part the caller started: recorded (when it is a process of its own) and stopped in reverse start order. */
  add(name: string, stop: () => Promise<void>, process?: { pid: number; stopSignal?: NodeJS.Signals }): void {
    if (process) this.pids.record(name, process.pid, process.stopSignal);
    this.parts.push({ name, stop });
  }

  /**
   * Runs an entry point of workers/. Dying while the stack starts fails the start; dying later is reported and
   * restarted after a backoff, and after `maxRestarts` restarts in a row the whole stack stops with the reason.
   */
  supervise(name: SupervisedEntry, env: NodeJS.ProcessEnv): void {
    const { log, logDir, restart } = this.options;
    const logFile = join(logDir, `${name}.log`);
    let current: ServiceProcess;
    let failures = 0;
    const start = () => {
      const startedAt = Date.now();
      const running = spawnEntryPoint(name, { env, output: 'prefix', logFile });
      current = running;
      this.pids.record(name, running.child.pid!);
      void running.exited.then((code) => {
        this.pids.forget(running.child.pid!);
        if (this.phase === 'stopping') return;
        const how = running.child.signalCode ? `killed by ${running.child.signalCode}` : `exit code ${code}`;
        if (this.phase === 'starting') {
          void this.stop(1, `${name} exited during start-up (${how})${logTail({ logFile })}`);
          return;
        }
        failures = Date.now() - startedAt > HEALTHY_AFTER_MS ? 1 : failures + 1;
        if (failures > restart.maxRestarts) {
          void this.stop(1, `${name} died ${failures} times in a row (last: ${how}); stopping the stack${logTail({ logFile })}`);
          return;
        }
        const delayMs = Math.min(restart.backoffMs * 2 ** (failures - 1), MAX_BACKOFF_MS);
        log.warn(
          { process: name, how, restartInMs: delayMs, failures, maxRestarts: restart.maxRestarts },
          'process died; restarting',
        );
        setTimeout(() => this.phase === 'running' && start(), delayMs);
      });
    };
    start();
    this.parts.push({ name, stop: () => current.stop('SIGTERM') });
  }

  /** The stack is up: from now on a dying part is restarted instead of failing the start. */
  started(): void {
    if (this.phase === 'starting') this.phase = 'running';
  }

  /** Stops every part in reverse start order and exits; a second call (a second Ctrl-C) exits at once. */
  async stop(code: number, reason?: string): Promise<never> {
    if (this.phase === 'stopping') process.exit(code);
    this.phase = 'stopping';
    if (reason) console.error(`\n${reason}`);
    console.log('\nStopping Sluice…');
    for (const part of this.parts.reverse()) {
      await part.stop().catch((error: unknown) => this.options.log.error({ err: error, part: part.name }, 'stop failed'));
    }
    this.pids.remove();
    await this.watchdog?.stop('SIGTERM');
    process.exit(code);
  }
}
