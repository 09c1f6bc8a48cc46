import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

/**
 * Four projects; `npx vitest run` runs them all, `--project <name>` one. `unit` needs nothing; the others each have a
 * global setup starting only what their files inject (test/support/setup/*.ts). When they run together the services
 * are shared (test/support/services.ts): one Postgres, one Temporal dev server, one anvil and one workflow bundle for
 * the whole run, as before the split, and every project's files run in the same pool of 2 workers.
 */
const infrastructure = (name: string): TestProjectInlineConfiguration => ({
  extends: true,
  test: {
    name,
    include: [`test/${name}/**/*.test.ts`],
    globalSetup: [`test/support/setup/${name}.ts`],
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});

export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['test/support/setup/orphan-guard.ts'], // a worker exits when the main process dies
    teardownTimeout: 60_000, // a global option: the infrastructure projects' services stop in their teardowns
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // e2e first: global setups run one after the other, and e2e's starts every service at once, in parallel
      infrastructure('e2e'),
      infrastructure('integration'),
      infrastructure('workflows'),
    ],
  },
});
