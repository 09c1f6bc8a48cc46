/**
 * Runs in every test worker (a forked process). When Vitest's main process dies without stopping its workers
 * (kill -9), a worker would live on: the pipes of the stack processes it spawned keep its event loop busy, and they
 * in turn wait for it. Exiting when the channel to the main process closes lets those processes stop too
 * (platform/shutdown.ts), as the run's watchdog stops the servers (test/support/services.ts).
 */
const GUARDED = Symbol.for('sluice.test.orphan-guard');
const registry = globalThis as Record<symbol, unknown>;
if (process.channel && !registry[GUARDED]) {
  registry[GUARDED] = true;
  process.once('disconnect', () => process.exit(1));
}
