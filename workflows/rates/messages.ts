/** What the rates refresh workflow and its callers (the schedule, the operators' refresh) share. */
import { SluiceKind } from '../../platform/temporal/search-attributes.js';

export const ratesRefreshWorkflowType = 'ratesRefreshWorkflow';
export type RatesRefreshWorkflow = () => Promise<RatesRefreshResult>;

/** The schedule's runs share one ID (an overlapping run is skipped); each on-demand run has its own. */
export const SCHEDULED_RATES_REFRESH_WORKFLOW_ID = 'rates-refresh:scheduled';
export const manualRatesRefreshWorkflowId = (runId: string) => `rates-refresh:manual:${runId}`;
export const RATES_REFRESH_SCHEDULE_ID = 'rates-refresh';

export interface RatesRefreshResult {
  recorded: string[];
  failed: Array<{ pair: string; error: string }>;
}

export const ratesRefreshSearchAttributes = [{ key: SluiceKind, value: 'rates-refresh' }];
