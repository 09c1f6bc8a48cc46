/**
 * The dev stack's supervisor (workers/dev.ts): it records every part's pid in DATA_DIR, stops what an earlier run of
 * the same data dir left running, keeps a watchdog that outlives it, restarts a Node part that dies with backoff (and
 * stops the whole stack when one keeps dying), and stops everything in reverse start order.
 */
import { join } from 'node:path';
import type { Logger } from '../log.js';
import { PidFile, readPidFile, stackPidFile, stopRecorded } from './pid-file.js';
import { logTail, spawnEntryPoint, type ServiceProcess } from './process.js';
import { startWatchdog } from './watchdog.js';

export interface RestartPolicy {
  /** The first restart's delay; each failure in a row doubles it (at most 30 s). */
  backoffMs: number;
  /** Restarts in a row before the stack gives up; a part that ran for a minute starts counting again. */
  maxRestarts: number;
}

/** A part that stayed up this long was healthy: its next failure counts as the first. */
const HEALTHY_AFTER_MS = 60_000;
const MAX_BACKOFF_MS = 30_000;

/** A started part as the supervisor keeps it. */
export interface RunningPart {
  pid: number;
  /** What stops it cleanly, should the watchdog or a later start have to (platform/embedded/pid-file.ts). */
  stopSignal?: NodeJS.Signals;
  logFile?: string;
  /** Resolves, saying how, when the process has exited. */
  exited: Promise<string>;
  stop(): Promise<void>;
}

/** A spawned process as a part; `stop` defaults to SIGTERM. */
export function partOf(service: ServiceProcess, stop = () => service.stop('SIGTERM'), stopSignal?: NodeJS.Signals): RunningPart {
  return {
    pid: service.child.pid!,
    stopSignal,
    logFile: service.logFile,
    exited: service.exited.then((code) =>
      service.child.signalCode ? `killed by ${service.child.signalCode}` : `exit code ${code}`,
    ),
    stop,
  };
}

type Phase = 'starting' | 'running' | 'stopping';

export type SupervisedEntry = 'api' | 'worker' | 'mail-sink' | 'listener-evm' | 'listener-xrpl';

export class Supervisor {
  private readonly pids: PidFile;
  private readonly parts: Array<{ name: string; stop: () => Promise<void> }> = [];
  private phase: Phase = 'starting';
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
    const watchdog = await startWatchdog(this.options.dataDir);
    this.watchdog = watchdog;
    this.pids.record('watchdog', watchdog.child.pid!);
  }

  /** A part that is not a process of its own (a connection): stopped in reverse start order. */
  add(name: string, stop: () => Promise<void>): void {
    this.parts.push({ name, stop });
  }

  /** Runs an entry point of workers/ as a kept part (see `keep`). */
  supervise(name: SupervisedEntry, env: NodeJS.ProcessEnv): Promise<void> {
    const logFile = join(this.options.logDir, `${name}.log`);
    return this.keep(name, async () => partOf(spawnEntryPoint(name, { env, output: 'prefix', logFile })));
  }

  /**
   * Starts a part, records its pid and keeps it running. Failing or dying while the stack starts fails the start
   * (with the tail of its log); dying later is reported and the part started again after a backoff, and after
   * `maxRestarts` restarts in a row the whole stack stops with the reason.
   */
  async keep(name: string, start: () => Promise<RunningPart>): Promise<void> {
    const { log, restart } = this.options;
    let current: RunningPart | undefined;
    let failures = 0;
    const died = (how: string, startedAt: number, logFile?: string) => {
      if (this.phase === 'stopping') return;
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
      setTimeout(() => void run(), delayMs);
    };
    const run = async () => {
      if (this.phase === 'stopping') return;
      const startedAt = Date.now();
      let running: RunningPart;
      try {
        running = await start();
      } catch (error) {
        if (this.phase === 'starting') throw error;
        died(error instanceof Error ? error.message : String(error), startedAt);
        return;
      }
      current = running;
      this.pids.record(name, running.pid, running.stopSignal);
      if ((this.phase as Phase) === 'stopping') await running.stop(); // the stack stopped while this part was restarting
      void running.exited.then((how) => {
        this.pids.forget(running.pid);
        died(how, startedAt, running.logFile);
      });
    };
    this.parts.push({ name, stop: async () => current?.stop() });
    await run();
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
