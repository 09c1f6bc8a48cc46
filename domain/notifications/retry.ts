/**
 * How long a failed send waits before its next try: doubling from the first interval up to a cap, and never less than
 * what the service asked for (Telegram's `retry_after`). Workflow-safe.
 */
export const MAX_RETRY_INTERVAL_MS = 60_000;

/** The wait after failed attempt `attempt` (1 for the first). */
export function retryDelayMs(attempt: number, initialIntervalMs: number, askedMs = 0): number {
  const backoff = Math.min(initialIntervalMs * 2 ** (attempt - 1), MAX_RETRY_INTERVAL_MS);
  return Math.max(backoff, askedMs);
}
