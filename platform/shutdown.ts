/**
 * Graceful stop on SIGINT, SIGTERM or SIGHUP (a closed terminal), and when the parent that started this process
 * through an IPC channel goes away, however it went (a dev stack's supervisor killed with -9): run the closer once,
 * then exit; a second signal exits at once, and so does a closer still running after CLOSE_DEADLINE_MS.
 */
import type { Logger } from './log.js';

const CLOSE_DEADLINE_MS = 15_000;

// Until an entry point registers its closer (after start-up, which may wait for a database for good), the parent
// going away stops this process at once: there is nothing to close yet. Every entry point imports this file first.
const exitBeforeStarted = () => process.exit(1);
if (process.channel) process.once('disconnect', exitBeforeStarted);

export function onShutdown(log: Logger, close: () => Promise<void>): void {
  let closing = false;
  const stop = (reason: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ reason }, 'shutting down');
    setTimeout(() => {
      log.error({ reason, afterMs: CLOSE_DEADLINE_MS }, 'shutdown did not finish in time; exiting');
      process.exit(1);
    }, CLOSE_DEADLINE_MS).unref();
    close().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  if (process.channel) {
    process.off('disconnect', exitBeforeStarted);
    process.once('disconnect', () => stop('parent exited'));
  }
}
