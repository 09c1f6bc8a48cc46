/**
 * Broadcast `broadcast:<id>`: sends the broadcast to its audience page by page (each page an activity pacing its sends
 * per channel), keeping the cursor in its state and continuing as new when the history grows. A worker that dies mid-
 * page hands the page to another; sends already made are skipped (the delivery log), so nobody gets it twice.
 * Progress is a query; cancelling is an update that stops the page in flight.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createBroadcastActivities } from '../../../activities/notifications/broadcast.js';
import { ErrorCode } from '../../../domain/errors.js';
import { SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { runIsLongSince } from '../../../platform/temporal/run-length.js';
import {
  broadcastProgressQuery,
  cancelBroadcastUpdate,
  type BroadcastInput,
  type BroadcastProgress,
  type BroadcastWorkflow,
} from './messages.js';

type Activities = ReturnType<typeof createBroadcastActivities>;
const { sendBroadcastPage } = proxyActivities<Activities>(retryPolicies.broadcastPage);
const { closeBroadcast } = proxyActivities<Activities>(retryPolicies.bookkeeping);

export const broadcastWorkflow: BroadcastWorkflow = async (input: BroadcastInput) => {
  let progress: BroadcastProgress = input.progress ?? { state: 'running', cursor: null, pages: 0, sent: 0, failed: 0 };
  let cancelled = false;
  let page: CancellationScope | null = null;

  setHandler(broadcastProgressQuery, () => progress);
  setHandler(
    cancelBroadcastUpdate,
    ({ by }) => {
      log.info('broadcast cancelled', { by });
      cancelled = true;
      page?.cancel();
      return progress;
    },
    {
      validator: (_request) => {
        if (cancelled || progress.state !== 'running')
          throw ApplicationFailure.create({
            type: ErrorCode.Conflict,
            message: `the broadcast is ${cancelled ? 'cancelled' : progress.state}`,
          });
      },
    },
  );

  while (!cancelled) {
    page = new CancellationScope();
    try {
      const done = await page.run(() =>
        sendBroadcastPage({
          broadcastId: input.broadcastId,
          after: progress.cursor,
          pageSize: input.pageSize,
          ratePerSecond: input.ratePerSecond,
        }),
      );
      progress = {
        ...progress,
        cursor: done.nextCursor ?? progress.cursor,
        pages: progress.pages + 1,
        sent: done.sent,
        failed: done.failed,
      };
      if (done.nextCursor === null) break;
    } catch (error) {
      if (!(cancelled && isCancellation(error))) throw error;
    } finally {
      page = null;
    }
    // between pages: the cursor goes on in the next run
    if (!cancelled && runIsLongSince('broadcast-continues-as-new-bounded', input.runHistoryLimit)) {
      await condition(allHandlersFinished);
      await continueAsNew<BroadcastWorkflow>({ ...input, progress });
    }
  }

  const state = cancelled ? 'cancelled' : 'completed';
  const counts = await closeBroadcast({ broadcastId: input.broadcastId, state });
  progress = { ...progress, ...counts, state };
  upsertSearchAttributes([{ key: SluiceStatus, value: state }]);
  await condition(allHandlersFinished);
  return progress;
};
