/** The one way into the ledger audit workflow: its Temporal Schedule, on-demand runs, and a run's status. */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { ensureIntervalSchedule } from '../../platform/temporal/interval-schedule.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  ledgerAuditSearchAttributes,
  ledgerAuditStatusQuery,
  manualAuditWorkflowId,
  SCHEDULED_AUDIT_WORKFLOW_ID,
  type LedgerAuditStatus,
  ledgerAuditWorkflowType,
  type LedgerAuditWorkflow,
} from '../../workflows/audit/messages.js';
import { auditByWorkflowId } from './store.js';

/** Past audits' results, for the operator console. */
export { listAudits, type AuditRecord } from './store.js';

const SCHEDULE_ID = 'ledger-audit';

/** Creates the audit's schedule, or moves an existing one to the configured interval. */
export async function ensureAuditSchedule(temporal: TemporalTarget, intervalMinutes: number, log: Logger): Promise<void> {
  await ensureIntervalSchedule(
    temporal,
    {
      scheduleId: SCHEDULE_ID,
      workflowType: ledgerAuditWorkflowType,
      workflowId: SCHEDULED_AUDIT_WORKFLOW_ID,
      args: [{ trigger: 'schedule' as const }],
      typedSearchAttributes: ledgerAuditSearchAttributes,
      description: 'Recomputes every ledger balance from the journal and checks the zero sum',
    },
    intervalMinutes,
    log,
  );
}

/** Starts an audit now for an operator; the handle gives its result. */
export async function startManualAudit(temporal: TemporalTarget, requestedBy: string) {
  return temporal.client.workflow.start<LedgerAuditWorkflow>(ledgerAuditWorkflowType, {
    taskQueue: temporal.taskQueue,
    workflowId: manualAuditWorkflowId(randomUUID()),
    args: [{ trigger: 'manual', requestedBy }],
    typedSearchAttributes: ledgerAuditSearchAttributes,
  });
}

/**
 * An audit's status: its stored result once it finished (kept for good, where its workflow is gone from Temporal once
 * the namespace's retention has passed), else what its workflow says (running, or done but not yet read back).
 */
export async function auditStatus(
  deps: { sql: Sql; temporal: Pick<TemporalTarget, 'client'> },
  workflowId: string,
): Promise<LedgerAuditStatus> {
  const stored = await auditByWorkflowId(deps.sql, workflowId);
  if (stored) return { state: 'done', ...stored };
  try {
    return await deps.temporal.client.workflow.getHandle(workflowId).query(ledgerAuditStatusQuery);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError) throw new DomainError(ErrorCode.NotFound, 'no audit workflow with this id');
    throw error;
  }
}
