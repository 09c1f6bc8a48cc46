/**
 * When a long-lived workflow continues as new, so that no run's history grows past what a worker replays quickly.
 * Workflow-safe.
 */
import { workflowInfo } from '@temporalio/workflow';
import { isPatched, type ChangeId } from './versions.js';

/**
 * A worker that picks a workflow up without its cache (after a restart or a deploy, every running one at once)
 * replays its run's whole history. Replaying an invoice's run measured about 1.4 ms an event on the dev machine
 * (2 cores, loaded): 0.7 s at 500 events, 6 s at 4,000, the server's own suggestion, where the dev stack logged
 * "workflow task duration exceeded 5 seconds" and timed tasks out (a gas keeper's 269 KB run took 19.7 s). A run of
 * 500 events is 80 minutes of an invoice's one-minute polls (6 events each), 3.8 hours of a trigger's five-minute ones
 * (11) and 23 minutes of a waiting withdrawal's 30-second ones (11); the next run costs about 10 events more.
 */
export const RUN_HISTORY_LIMIT = 500;

/**
 * Bytes a run's history may reach, for runs whose events carry lists (a sweeper's tick names up to 500 wallets in its
 * input and its report, about 45 KB): a replay fetches and decodes every byte, and the server suggests continuing only
 * at 4 MiB.
 */
export const RUN_HISTORY_BYTES = 1024 * 1024;

/**
 * Whether this run should continue as new: the server suggests it (its history's size), or it reached `limit` events
 * or RUN_HISTORY_BYTES.
 */
export function runIsLong(limit = RUN_HISTORY_LIMIT): boolean {
  const { continueAsNewSuggested, historyLength, historySize } = workflowInfo();
  return continueAsNewSuggested || historyLength >= limit || historySize >= RUN_HISTORY_BYTES;
}

/**
 * `runIsLong` for a workflow that continued as new only when the server suggested it, bounded behind the patch `id`:
 * a run recorded before the patch replays as it ran, continuing at the server's suggestion only. The patch is asked
 * only once the run is long, so a run that is not records no marker.
 */
export function runIsLongSince(id: ChangeId, limit?: number): boolean {
  return runIsLong(limit) && (isPatched(id) || workflowInfo().continueAsNewSuggested);
}
