/** A supervised child process for the embedded stack: started, watched for readiness, and stopped in order. */
import { setTimeout as sleep } from 'node:timers/promises';
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { projectRoot } from '../tools.js';

export interface ServiceProcess {
  name: string;
  logFile?: string;
  child: ChildProcess;
  /** Resolves when the process has exited. */
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<void>;
}

export interface SpawnOptions {
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Append the process's output here; otherwise it is inherited. */
  logFile?: string;
  /** 'prefix' shows each line on the terminal as `[name] line` and also appends it to `logFile`. */
  output?: 'inherit' | 'file' | 'ignore' | 'prefix';
  /** An IPC channel to the child: a Node child sees it close when this process dies, however it dies. */
  ipc?: boolean;
  /** Run as this OS user (PostgreSQL refuses to run as root). */
  user?: { uid: number; gid: number };
}

export function spawnService(options: SpawnOptions): ServiceProcess {
  let log: WriteStream | undefined;
  const output = options.output ?? (options.logFile ? 'file' : 'inherit');
  const child = spawn(options.command, options.args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    ...options.user,
    // its own process group: a terminal's Ctrl-C reaches only the supervisor, which stops everything in order
    detached: true,
    stdio: [
      'ignore',
      ...(output === 'inherit'
        ? (['inherit', 'inherit'] as const)
        : output === 'ignore'
          ? (['ignore', 'ignore'] as const)
          : (['pipe', 'pipe'] as const)),
      ...(options.ipc ? (['ipc'] as const) : []),
    ],
  });
  if (options.logFile && (output === 'file' || output === 'prefix')) {
    log = createWriteStream(options.logFile, { flags: 'a' });
    child.stdout?.pipe(log);
    child.stderr?.pipe(log);
  }
  if (output === 'prefix') {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream! }).on('line', (line) => process.stdout.write(`[${options.name}] ${line}\n`));
    }
  }
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      log?.end();
      resolve(code);
    });
    child.once('error', () => resolve(null));
  });
  const stop = async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    await exited;
    clearTimeout(timer);
  };
  return { name: options.name, logFile: log ? options.logFile : undefined, child, exited, stop };
}

/**
 * Node flags an entry point always runs with (the Dockerfile, docker-compose.yml and `npm run api` pass the same). The
 * API allocates a request's short-lived objects (node's and Hono's request and response, the parsed body, the SQL
 * client's rows) by the thousand a second: with node 20's 16 MB of young generation, garbage collection took 13.8% of
 * its CPU under bench/bets.ts; with 64 MB, 6.4% (README "Benchmark figures"). And it stays at 64 MB: V8 shrinks an
 * idle process's young generation and grows it back slowly, and the API's runs of bench/bets.ts that followed an idle
 * spell scavenged 21–24 times a second instead of 5–7, at 5,234–5,592 bets/s instead of 5,603–7,225 (session 17).
 */
export const ENTRY_NODE_FLAGS: Readonly<Record<string, readonly string[]>> = {
  api: ['--max-semi-space-size=64', '--min-semi-space-size=64'],
};

/** A Sluice process from its entry point, `workers/<entry>.ts`, run by node with the tsx loader from the project root. */
export function spawnEntryPoint(
  entry: string,
  options: Omit<SpawnOptions, 'name' | 'command' | 'args' | 'cwd'> & {
    name?: string;
    /** Flags for node itself, such as --cpu-prof (which NODE_OPTIONS may not carry). */
    nodeArgs?: string[];
  },
): ServiceProcess {
  const { nodeArgs = [], ...rest } = options;
  return spawnService({
    name: entry,
    ipc: true, // the entry points stop when their parent goes (platform/shutdown.ts)
    ...rest,
    command: process.execPath,
    args: [...(ENTRY_NODE_FLAGS[entry] ?? []), ...nodeArgs, '--import', 'tsx', `workers/${entry}.ts`],
    cwd: projectRoot,
  });
}

/** Polls `probe` until it succeeds, failing with the last error when the deadline passes or the process exits. */
export async function waitUntil(
  what: string,
  probe: () => Promise<unknown>,
  options: { timeoutMs?: number; intervalMs?: number; process?: ServiceProcess } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let exited = false;
  void options.process?.exited.then(() => (exited = true));
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${what}: the process exited before it was ready${logTail(options.process)}`);
    try {
      await probe();
      return;
    } catch (error) {
      lastError = error;
    }
    await sleep(options.intervalMs ?? 200);
  }
  throw new Error(`${what} was not ready in time: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

/** The end of a process's log, to show why it failed. */
export function logTail(service: Pick<ServiceProcess, 'logFile'> | undefined, lines = 30): string {
  if (!service?.logFile) return '';
  try {
    return `\n--- last lines of ${service.logFile} ---\n${readFileSync(service.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`;
  } catch {
    return '';
  }
}
