/** Stored results of ledger audits. */
import type { AuditReport } from '../../domain/audit/report.js';
import type { Db } from '../../platform/db/client.js';
import { afterRowById, newestFirst } from '../../platform/db/keyset.js';

export interface AuditRecordInput extends AuditReport {
  id: string;
  workflowId: string;
  trigger: 'schedule' | 'manual';
  requestedBy?: string;
  startedAt: string;
  finishedAt: string;
}

export type AuditRecord = Omit<AuditRecordInput, 'requestedBy'> & { requestedBy: string | null };

export async function insertAudit(db: Db, audit: AuditRecordInput): Promise<void> {
  await db`
    insert into ledger_audits (id, workflow_id, trigger, requested_by, started_at, finished_at, ok,
                               accounts_checked, transfers_checked, currencies, drifts)
    values (${audit.id}, ${audit.workflowId}, ${audit.trigger}, ${audit.requestedBy ?? null}, ${audit.startedAt},
            ${audit.finishedAt}, ${audit.ok}, ${audit.accountsChecked}, ${audit.transfersChecked},
            ${db.json(audit.currencies as never)}, ${db.json(audit.drifts as never)})
    on conflict (workflow_id) do nothing`;
}

export async function listAudits(db: Db, page: { before?: string; limit: number }): Promise<AuditRecord[]> {
  const rows = await db`
    select * from ledger_audits
    ${page.before ? db`where ${afterRowById(db, 'ledger_audits', 'finished_at', page.before)}` : db``}
    ${newestFirst(db, 'finished_at')} limit ${page.limit}`;
  return rows.map(toRecord);
}

/** The stored result of the audit run by this workflow, if it finished. */
export async function auditByWorkflowId(db: Db, workflowId: string): Promise<AuditRecord | null> {
  const [row] = await db`select * from ledger_audits where workflow_id = ${workflowId}`;
  return row ? toRecord(row) : null;
}

function toRecord(r: Record<string, unknown>): AuditRecord {
  return {
    id: r.id as string,
    workflowId: r.workflowId as string,
    trigger: r.trigger as AuditRecord['trigger'],
    requestedBy: r.requestedBy as string | null,
    startedAt: (r.startedAt as Date).toISOString(),
    finishedAt: (r.finishedAt as Date).toISOString(),
    ok: r.ok as boolean,
    accountsChecked: r.accountsChecked as number,
    transfersChecked: Number(r.transfersChecked),
    currencies: r.currencies as AuditRecord['currencies'],
    drifts: r.drifts as AuditRecord['drifts'],
  };
}
