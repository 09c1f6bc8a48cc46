/**
 * Graceful stop on SIGINT, SIGTERM or SIGHUP (a closed terminal), and when the parent that started this process
 * through an IPC channel goes away, however it went (a dev stack's supervisor killed with -9): run the closer once,
 * then exit; a second signal exits at once.
 */
import type { Logger } from './log.js';

export function onShutdown(log: Logger, close: () => Promise<void>): void {
  let closing = false;
  const stop = (reason: string) => {
    if (closing) process.exit(1);
    closing = true;
    log.info({ reason }, 'shutting down');
    close().then(
      () => process.exit(0),
      (error) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  if (process.channel) process.once('disconnect', () => stop('parent exited'));
}
