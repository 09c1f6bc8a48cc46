/** What the reconciliation workflow and its callers (the schedule, the API) share. */
import type { ReconciliationReport } from '../../domain/reconciliation/drift.js';
import { SluiceKind } from '../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const reconciliationWorkflowType = 'reconciliationWorkflow';
export type ReconciliationWorkflow = (input?: ReconciliationInput) => Promise<ReconciliationResult>;

/** The schedule's runs share one ID (overlaps are skipped); an on-demand run is named by its reconciliation's id. */
export const SCHEDULED_RECONCILIATION_WORKFLOW_ID = 'reconciliation:scheduled';
const MANUAL_PREFIX = 'reconciliation:manual:';
export const manualReconciliationWorkflowId = (id: string) => `${MANUAL_PREFIX}${id}`;
/** The on-demand run's id its workflow ID names; null for a scheduled run's. */
export const manualReconciliationIdOf = (workflowId: string): string | null =>
  workflowId.startsWith(MANUAL_PREFIX) ? workflowId.slice(MANUAL_PREFIX.length) : null;

export interface ReconciliationInput {
  trigger: 'schedule' | 'manual';
  /** An on-demand run's id, given by the API so it can answer with it at once. */
  id?: string;
  requestedBy?: string;
}

/** Counts of chain events booked before comparing. */
export interface BookedChainEvents {
  networkFees: number;
  topUps: number;
}

export interface ReconciliationResult extends ReconciliationReport {
  id: string;
  startedAt: string;
  finishedAt: string;
  booked: BookedChainEvents;
}

export const reconciliationSearchAttributes = [{ key: SluiceKind, value: 'reconciliation' }];
