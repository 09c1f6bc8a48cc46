/**
 * Rates refresh, run by a Temporal Schedule (every RATES_REFRESH_INTERVAL) and on an operator's demand: fetch,
 * compute and record every pair's rate. Pairs whose ticker failed are listed in the result and marked on the run.
 */
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { createRatesActivities } from '../../activities/rates/activities.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import type { RatesRefreshResult } from './messages.js';

const { refreshRates } = proxyActivities<ReturnType<typeof createRatesActivities>>(retryPolicies.ratesRefresh);

export async function ratesRefreshWorkflow(): Promise<RatesRefreshResult> {
  const result = await refreshRates();
  upsertSearchAttributes([{ key: SluiceStatus, value: result.failed.length === 0 ? 'refreshed' : 'partly-failed' }]);
  return result;
}
