/** What the ledger audit workflow and its callers (the schedule, the audits API) share. */
import { defineQuery } from '@temporalio/workflow';
import type { AuditReport } from '../../domain/audit/report.js';
import { SluiceKind } from '../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const ledgerAuditWorkflowType = 'ledgerAuditWorkflow';
export type LedgerAuditWorkflow = (input?: LedgerAuditInput) => Promise<LedgerAuditResult>;

/** The schedule's runs share one ID (overlaps are skipped); each on-demand run has its own. */
export const SCHEDULED_AUDIT_WORKFLOW_ID = 'ledger-audit:scheduled';
export const manualAuditWorkflowId = (runId: string) => `ledger-audit:manual:${runId}`;
export const AUDIT_WORKFLOW_ID_PREFIX = 'ledger-audit:';

export interface LedgerAuditInput {
  trigger: 'schedule' | 'manual';
  requestedBy?: string;
}

export interface LedgerAuditResult extends AuditReport {
  id: string;
  startedAt: string;
  finishedAt: string;
}

export type LedgerAuditStatus = { state: 'running'; startedAt: string } | ({ state: 'done' } & LedgerAuditResult);

export const ledgerAuditStatusQuery = defineQuery<LedgerAuditStatus>('ledgerAuditStatus');

export const ledgerAuditSearchAttributes = [{ key: SluiceKind, value: 'ledger-audit' }];
