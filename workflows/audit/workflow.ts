/**
 * Ledger audit: recompute every balance from the journal, check the zero sum per currency, record what was found.
 * Run hourly by a Temporal Schedule and on demand from the API; the report is queryable while it runs. A run that fails
 * alerts operators (failed-run-alert.ts).
 */
import { proxyActivities, setHandler, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { createAuditActivities } from '../../activities/audit/activities.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import { alertingIfFailed } from '../failed-run-alert.js';
import { ledgerAuditStatusQuery, type LedgerAuditInput, type LedgerAuditResult, type LedgerAuditStatus } from './messages.js';

const { recomputeLedger, recordAudit } = proxyActivities<ReturnType<typeof createAuditActivities>>(retryPolicies.ledgerAudit);

export async function ledgerAuditWorkflow(input: LedgerAuditInput = { trigger: 'schedule' }): Promise<LedgerAuditResult> {
  const startedAt = new Date().toISOString();
  let status: LedgerAuditStatus = { state: 'running', startedAt };
  setHandler(ledgerAuditStatusQuery, () => status);

  const check = { kind: 'ledger_audit_failed', name: 'The ledger audit', changeId: 'ledger-audit-failure-alerted' } as const;
  const { report, result } = await alertingIfFailed({ ...check, trigger: input.trigger }, async () => {
    const report = await recomputeLedger();
    const result: LedgerAuditResult = { id: uuid4(), startedAt, finishedAt: new Date().toISOString(), ...report };
    await recordAudit({
      ...result,
      workflowId: workflowInfo().workflowId,
      trigger: input.trigger,
      requestedBy: input.requestedBy,
    });
    return { report, result };
  });

  upsertSearchAttributes([{ key: SluiceStatus, value: report.ok ? 'balanced' : 'drift' }]);
  status = { state: 'done', ...result };
  return result;
}
