/** Temporal for workflow tests: the time-skipping test server, and the workflow bundle built once per run. */
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { inject } from 'vitest';
import { searchAttributeDefinitions } from '../../platform/temporal/setup.js';
import { temporalTestServerPath } from '../../platform/tools.js';

let runtimeInstalled = false;

/** The SDK's core logs at ERROR only: the test servers' warnings would drown the test output. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  runtimeInstalled = true;
}

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
