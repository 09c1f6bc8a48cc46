/**
 * Temporal for workflow tests: the time-skipping test server, the workflow bundle built once per run, a worker run
 * around a test's body, a workflow's runs along its continue-as-new chain, a dev server that suggests continuing as new
 * early, waiting for a workflow's first task, and the recording of histories for the replay test.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection, type Client, type WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import pino from 'pino';
import { inject } from 'vitest';
import { startTemporalDevServer } from '../../platform/embedded/temporal.js';
import { ensureSearchAttributes, searchAttributeDefinitions } from '../../platform/temporal/setup.js';
import { temporalCliPath, temporalTestServerPath } from '../../platform/tools.js';
import { freePort } from './ports.js';

let runtimeInstalled = false;

/** The SDK's core logs at ERROR only: the test servers' warnings would drown the test output. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runtimeInstalled = true;
}

/**
 * A Temporal dev server of a test file's own whose runs are told to continue as new from their `events`-th history
 * event (the time-skipping server takes no such setting, and fails a task taking an update while a timer fires), with
 * a client connection, a worker's connection and the search attributes registered.
 */
export async function continueAsNewServer(name: string, events: number) {
  installQuietRuntime();
  const port = await freePort();
  const server = await startTemporalDevServer({
    cli: temporalCliPath(),
    port,
    logFile: join(inject('testDataDir'), `temporal-${name}-${port}.log`),
    extraArgs: ['--dynamic-config-value', `limit.historyCount.suggestContinueAsNew=${events}`],
  });
  const connection = await Connection.connect({ address: server.address });
  const native = await NativeConnection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default', pino({ level: 'silent' }));
  return {
    connection,
    native,
    async stop() {
      await native.close();
      await connection.close();
      await server.stop();
    },
  };
}

export type ContinueAsNewServer = Awaited<ReturnType<typeof continueAsNewServer>>;

export async function timeSkippingEnvironment(): Promise<TestWorkflowEnvironment> {
  installQuietRuntime();
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
  // the test server refuses upserts of unregistered search attributes, as a real cluster does
  await env.connection.operatorService.addSearchAttributes({
    namespace: 'default',
    searchAttributes: searchAttributeDefinitions(),
  });
  return env;
}

/** The workflow bundle global setup built from workflows/index.ts. */
export function workflowBundle() {
  return { codePath: inject('workflowBundlePath') };
}

/** Runs `body` with a worker on `taskQueue` serving the bundle's workflows and these (scripted) activities. */
export async function runWithWorker<T>(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  activities: object,
  body: () => Promise<T>,
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: workflowBundle(),
    activities,
  });
  return worker.runUntil(body);
}

/**
 * Waits until the workflow's first workflow task is completed. A signal sent before the worker polled that task is
 * delivered in it, with the start's: a test about what the workflow does on its first task signals only after this.
 */
export async function firstWorkflowTaskCompleted(handle: WorkflowHandle): Promise<void> {
  while (!(await handle.fetchHistory()).events?.some((e) => e.workflowTaskCompletedEventAttributes)) await sleep(20);
}

/** With RECORD_HISTORIES=1, writes the history to test/fixtures/histories/<name>.json for the replay test. */
export async function recordHistory(name: string, history: unknown): Promise<void> {
  if (process.env.RECORD_HISTORIES)
    await writeFile(new URL(`../fixtures/histories/${name}.json`, import.meta.url), historyToJSON(history as never));
}

/** A workflow's runs, first to last, along its continue-as-new chain: each run's history. */
export async function runsOf(client: Client, workflowId: string, firstRunId: string) {
  const runs = [];
  for (let runId: string | null | undefined = firstRunId; runId;) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(history);
    runId = history.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return runs;
}
