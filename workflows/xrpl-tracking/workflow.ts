/**
 * XRPL backfill (`xrpl-backfill:<address>`): pages an account's validated history with account_tx and its marker,
 * storing each page, and continues-as-new between pages so a history of any length completes. Started when an
 * account is added (full), at every listener start-up (incremental: from where the history is known complete) and
 * on resync (full). A resync while one runs joins it; joining an incremental pass turns it into a full one.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createXrplActivities } from '../../activities/xrpl-tracking/activities.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import {
  xrplBackfillStatusQuery,
  xrplResyncSignal,
  type BackfillProgress,
  type XrplBackfillInput,
  type XrplBackfillStatus,
} from './messages.js';

const { fetchBackfillPage, completeBackfill } = proxyActivities<ReturnType<typeof createXrplActivities>>(
  retryPolicies.xrplBackfillPage,
);

export async function xrplBackfillWorkflow(input: XrplBackfillInput): Promise<XrplBackfillStatus> {
  const status: XrplBackfillStatus = {
    address: input.address,
    mode: input.mode,
    state: 'running',
    completeThroughLedger: null,
    ...(input.progress ?? {
      pages: 0,
      payments: 0,
      inserted: 0,
      deposits: 0,
      resyncRequests: 0,
      startedAt: new Date().toISOString(),
    }),
  };
  let fullRequested = false;
  setHandler(xrplResyncSignal, () => {
    status.resyncRequests += 1;
    if (status.mode === 'incremental') fullRequested = true;
  });
  setHandler(xrplBackfillStatusQuery, () => status);

  const page = await fetchBackfillPage({ address: input.address, mode: input.mode, cursor: input.cursor ?? null });
  if (!page.watched) return finish(status, 'stopped'); // the account was removed meanwhile
  status.pages += 1;
  status.payments += page.payments;
  status.inserted += page.inserted;
  status.deposits += page.deposits;
  const progress = (): BackfillProgress => ({
    pages: status.pages,
    payments: status.payments,
    inserted: status.inserted,
    deposits: status.deposits,
    resyncRequests: status.resyncRequests,
    startedAt: status.startedAt,
  });

  if (page.next && !fullRequested) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof xrplBackfillWorkflow>({
      address: input.address,
      mode: input.mode,
      cursor: page.next,
      progress: progress(),
    });
  }
  if (!page.next) {
    if (!(await completeBackfill({ address: input.address, throughLedger: page.throughLedger })))
      return finish(status, 'stopped');
    status.completeThroughLedger = page.throughLedger;
  }
  if (fullRequested) {
    await condition(allHandlersFinished);
    return continueAsNew<typeof xrplBackfillWorkflow>({ address: input.address, mode: 'full', progress: progress() });
  }
  return finish(status, 'done');
}

function finish(status: XrplBackfillStatus, state: 'done' | 'stopped'): XrplBackfillStatus {
  status.state = state;
  upsertSearchAttributes([{ key: SluiceStatus, value: state }]);
  return status;
}
