/**
 * test/e2e: the full stack. The API and worker processes run on the shared Postgres (a database per stack), the
 * shared Temporal dev server (a namespace per stack) and anvil, and load the prebuilt workflow bundle. At the end, every
 * log line any stack of the run captured is searched for every secret the run created (test/support/secrets-created.ts):
 * one found fails the run.
 */
import type { TestProject } from 'vitest/node';
import { leakedSecrets } from '../secrets-created.js';
import { globalSetup } from '../services.js';

const setupServices = globalSetup(['postgres', 'temporal', 'anvil', 'workflowBundle']);

export default async function setup(project: TestProject) {
  const teardown = await setupServices(project);
  const dataDir = project.getProvidedContext().testDataDir;
  return async () => {
    const { secrets, files, leaks } = await leakedSecrets(dataDir);
    await teardown();
    if (secrets > 0) console.log(`searched ${files} log files of the run for ${secrets} secrets it created`);
    if (leaks.length > 0) {
      throw new Error(`secrets in the logs (${leaks.length} of ${secrets} secrets, ${files} log files):\n${leaks.join('\n')}`);
    }
  };
}
