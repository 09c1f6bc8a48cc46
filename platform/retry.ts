/** Start-up against a dependency that may not be up yet: retry with capped backoff, saying why each time. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from './log.js';

export async function retryUntilConnected<T>(
  log: Logger,
  what: string,
  attempt: () => Promise<T>,
  maxDelayMs = 10_000,
): Promise<T> {
  for (let delay = 250; ; delay = Math.min(delay * 2, maxDelayMs)) {
    try {
      return await attempt();
    } catch (error) {
      log.warn({ err: error instanceof Error ? error.message : String(error), retryInMs: delay }, `cannot reach ${what} yet`);
      await sleep(delay);
    }
  }
}
