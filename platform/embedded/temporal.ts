/** The Temporal CLI dev server: a real Temporal server with its web UI, state in a SQLite file (or in memory). */
import { Connection } from '@temporalio/client';
import { spawnService, waitUntil, type ServiceProcess } from './process.js';

/**
 * The dev stack's settings for the dev server (ARCHITECTURE.md, "Worker tuning"). Its state is one SQLite file with
 * one connection, so every history write waits on the one before: WAL with `synchronous=normal` lets a commit skip
 * the fsync of each transaction (a crash of the machine may lose the last writes; it is a dev server). Eager activity
 * execution hands an activity scheduled by a workflow task straight back to the worker that completed that task,
 * saving the trip through the task queue; eager workflow start does the same for a workflow's first task when the
 * worker's own client starts it (platform/temporal/target.ts).
 */
export const DEV_SERVER_TUNING = [
  '--sqlite-pragma',
  'journal_mode=wal',
  '--sqlite-pragma',
  'synchronous=normal',
  '--dynamic-config-value',
  'system.enableActivityEagerExecution=true',
  '--dynamic-config-value',
  'system.enableEagerWorkflowStart=true',
];

export interface TemporalDevServer {
  address: string;
  uiUrl: string | null;
  process: ServiceProcess;
  stop(): Promise<void>;
}

export async function startTemporalDevServer(options: {
  cli: string;
  port: number;
  uiPort?: number;
  dbFile?: string;
  namespaces?: string[];
  logFile?: string;
  output?: 'inherit' | 'file' | 'ignore';
  /** More `temporal server start-dev` flags, e.g. `--dynamic-config-value KEY=JSON`. */
  extraArgs?: string[];
}): Promise<TemporalDevServer> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(options.port), '--log-level', 'warn'];
  if (options.uiPort) args.push('--ui-port', String(options.uiPort));
  else args.push('--headless');
  if (options.dbFile) args.push('--db-filename', options.dbFile);
  for (const namespace of options.namespaces ?? []) args.push('--namespace', namespace);
  args.push(...(options.extraArgs ?? []));
  const service = spawnService({
    name: 'temporal',
    command: options.cli,
    args,
    logFile: options.logFile,
    output: options.output ?? (options.logFile ? 'file' : 'ignore'),
  });
  const address = `127.0.0.1:${options.port}`;
  await waitUntil(
    `Temporal dev server on ${address}`,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
      } finally {
        await connection.close();
      }
    },
    { timeoutMs: 60_000, process: service },
  );
  return {
    address,
    uiUrl: options.uiPort ? `http://127.0.0.1:${options.uiPort}` : null,
    process: service,
    stop: () => service.stop('SIGTERM'),
  };
}
