/**
 * The rates' surface for other features: current rates in memory (`CurrentRates`: a pair's usable rate, converting an
 * amount between two currencies, locking a rate), and the arithmetic to apply a locked rate later (`convertMinor`).
 * A stale or missing rate is a DomainError with code `rate_unavailable` (503), naming the pair.
 */
export { CurrentRates, type LockedRate, type PairRateView } from './current-rates.js';
export { convertMinor, type Conversion } from '../../domain/rates/conversion.js';
export { formatRate, RATE_DIGITS, type Rate } from '../../domain/rates/rate.js';
export { loadRatePairs, loadRateSettings, rateSourceChanges, type RatePairRow } from './sources-store.js';
/** Operators' console switches pairs and sets rate sources as the ops API does. */
export { rateSourceChange, setRateSource, switchPair, type RateSourceInput } from './service.js';

import { randomUUID } from 'node:crypto';
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Logger } from '../../platform/log.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  manualRatesRefreshWorkflowId,
  RATES_REFRESH_SCHEDULE_ID,
  ratesRefreshSearchAttributes,
  ratesRefreshWorkflowType,
  SCHEDULED_RATES_REFRESH_WORKFLOW_ID,
  type RatesRefreshResult,
  type RatesRefreshWorkflow,
} from '../../workflows/rates/messages.js';

/** Creates the refresh schedule, or moves an existing one to the configured interval. */
export async function ensureRatesRefreshSchedule(temporal: TemporalTarget, everyMs: number, log: Logger): Promise<void> {
  const spec = { intervals: [{ every: everyMs }] };
  try {
    await temporal.client.schedule.create({
      scheduleId: RATES_REFRESH_SCHEDULE_ID,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: ratesRefreshWorkflowType,
        workflowId: SCHEDULED_RATES_REFRESH_WORKFLOW_ID,
        taskQueue: temporal.taskQueue,
        args: [],
        typedSearchAttributes: ratesRefreshSearchAttributes,
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
      memo: { description: "Reads every pair's rate source again and appends the rates to their history" },
    });
    log.info({ everyMs }, 'created the rates refresh schedule');
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    await temporal.client.schedule.getHandle(RATES_REFRESH_SCHEDULE_ID).update((previous) => ({ ...previous, spec }));
  }
}

/** Refreshes every rate now (an operator changed a source, or a test wants the exchange read) and waits for it. */
export async function refreshRatesNow(temporal: TemporalTarget): Promise<RatesRefreshResult> {
  return temporal.client.workflow.execute<RatesRefreshWorkflow>(ratesRefreshWorkflowType, {
    taskQueue: temporal.taskQueue,
    workflowId: manualRatesRefreshWorkflowId(randomUUID()),
    args: [],
    typedSearchAttributes: ratesRefreshSearchAttributes,
  });
}
