/**
 * A worker restart over open workflows with long histories: how long a fresh worker (no cache) takes until every one
 * has completed a workflow task again, and how many of its tasks outlived the server's workflow task timeout (each
 * is replayed again: wasted work). Invoices are the case: their runs reach up to RUN_HISTORY_LIMIT events before
 * continuing as new; their activities are stubs (no database), so the figures are the worker's and the dev server's
 * alone. The worker takes its tuning from the environment as workers/worker.ts does (WORKER_WORKFLOW_TASK_SLOTS,
 * WORKER_REPLAY_TASK_SLOTS, …). Prints figures; asserts nothing.
 *
 *   node --import tsx bench/worker-restart.ts   BENCH_WORKFLOWS (100), BENCH_EVENTS (history events before the
 *   restart, 450)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker, type LogEntry } from '@temporalio/worker';
import { loadConfig, workerTuning } from '../platform/config.js';
import { DEV_SERVER_TUNING, startTemporalDevServer } from '../platform/embedded/temporal.js';
import { watchedTemporaryDir } from '../platform/embedded/watchdog.js';
import { temporalCliPath } from '../platform/tools.js';
import { freePort } from '../test/support/ports.js';
import {
  completedSinceSignal,
  historyLength,
  startWaitingInvoices,
  lostTasksSinceSignal,
  waitingInvoiceActivities,
  wakeInvoices,
} from '../test/support/waiting-invoices.js';
import { benchNumber } from './support/api-runs.js';

const WORKFLOWS = benchNumber('WORKFLOWS', 100);
const EVENTS = benchNumber('EVENTS', 450);
const TASK_QUEUE = 'restart-bench';

// the core's warnings counted, as the QA stack logged them
const warnings = { over5s: 0, taskNotFound: 0 };
Runtime.install({
  logger: new DefaultLogger('WARN', (entry: LogEntry) => {
    if (entry.message.includes('TMPRL1104')) warnings.over5s++;
    else if (entry.message.includes('Task not found')) warnings.taskNotFound++;
    else console.log(`[core] ${entry.level} ${entry.message}`);
  }),
  telemetryOptions: { logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} } },
});

const scratch = await watchedTemporaryDir('sluice-restart-bench-');
const server = await startTemporalDevServer({ cli: temporalCliPath(), port: await freePort(), extraArgs: DEV_SERVER_TUNING });
scratch.watch('temporal', server.process, 'SIGTERM');
try {
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const native = await NativeConnection.connect({ address: server.address });
  const bundle = await bundleWorkflowCode({
    workflowsPath: new URL('../workflows/index.ts', import.meta.url).pathname,
    logger: new DefaultLogger('WARN'),
  });
  const invoices = waitingInvoiceActivities(EVENTS);
  const config = loadConfig(process.env);
  const newWorker = () =>
    Worker.create({
      connection: native,
      taskQueue: TASK_QUEUE,
      workflowBundle: bundle,
      activities: invoices.activities,
      ...workerTuning(config),
    });

  console.log(`growing ${WORKFLOWS} invoice workflows to about ${EVENTS} history events each…`);
  const before = await newWorker();
  const running = before.run();
  const grown = Date.now();
  const ids = await startWaitingInvoices(client, TASK_QUEUE, WORKFLOWS);
  while (!invoices.grown(WORKFLOWS)) await sleep(500);
  const lengths = await Promise.all(ids.map((id) => historyLength(connection, id)));
  console.log(`grown in ${((Date.now() - grown) / 1000).toFixed(1)} s: ${Math.min(...lengths)}–${Math.max(...lengths)} events`);
  before.shutdown();
  await running;

  await wakeInvoices(client, ids);
  warnings.over5s = warnings.taskNotFound = 0;
  const after = await newWorker();
  const { total, replays } = workerTuning(config).tuner.workflowTaskSlotSupplier;
  console.log(`restart: a new worker (${total} workflow task slots, ${replays} for replays) over ${WORKFLOWS} waiting tasks…`);
  const restarted = Date.now();
  const caughtUp = await after.runUntil(async () => {
    const pending = new Set(ids);
    const times: number[] = [];
    while (pending.size > 0) {
      await sleep(1_000);
      for (const id of pending)
        if (await completedSinceSignal(connection, id)) {
          pending.delete(id);
          times.push(Date.now() - restarted);
        }
    }
    return times;
  });
  const lost = await Promise.all(ids.map((id) => lostTasksSinceSignal(connection, id)));
  const sum = (key: keyof (typeof lost)[number]) => lost.reduce((total, l) => total + l[key], 0);
  const median = caughtUp.sort((a, b) => a - b)[Math.floor(caughtUp.length / 2)]!;
  console.log(
    [
      `caught up: median ${(median / 1000).toFixed(1)} s, all ${(caughtUp.at(-1)! / 1000).toFixed(1)} s after the restart`,
      `workflow tasks timed out on the new worker and replayed again: ${sum('replayedAgain')} (${lost.filter((l) => l.replayedAgain > 0).length} workflows)`,
      `timed out on the stopped worker's sticky queue first: ${sum('stickyTimeouts')}`,
      `core warnings: ${warnings.over5s} tasks over 5 s since scheduled, ${warnings.taskNotFound} completions refused (task not found)`,
    ].join('\n'),
  );
  await native.close();
  await connection.close();
} finally {
  await server.stop();
  await scratch.close();
}
