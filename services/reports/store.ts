/** Report rows and report schedule rows. */
import type { Db } from '../../platform/db/client.js';
import { rowsWithoutWorkflow } from '../../platform/db/workflow-outbox.js';
import type { ReportFormat, ReportPeriod, ReportPeriodUnit, ReportStatus, ReportType } from '../../domain/reports/reports.js';
import { afterRowById, newestFirst } from '../../platform/db/keyset.js';

export interface Report {
  id: string;
  type: ReportType;
  format: ReportFormat;
  period: ReportPeriod;
  status: ReportStatus;
  requestedBy: string | null;
  scheduleId: string | null;
  workflowId: string;
  emailTo: string | null;
  rows: number | null;
  bytes: number | null;
  error: string | null;
  emailedAt: Date | null;
  createdAt: Date;
  finishedAt: Date | null;
}

export type NewReport = Pick<Report, 'id' | 'type' | 'format' | 'period' | 'workflowId' | 'emailTo'> & {
  requestedBy?: string | null;
  scheduleId?: string | null;
  workflowStarted?: boolean;
};

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

function toReport(r: Record<string, unknown>): Report {
  return {
    id: r.id as string,
    type: r.type as ReportType,
    format: r.format as ReportFormat,
    period: { from: (r.periodFrom as Date).toISOString(), to: (r.periodTo as Date).toISOString() },
    status: r.status as ReportStatus,
    requestedBy: (r.requestedBy as string | null) ?? null,
    scheduleId: (r.scheduleId as string | null) ?? null,
    workflowId: r.workflowId as string,
    emailTo: (r.emailTo as string | null) ?? null,
    rows: num(r.rows),
    bytes: num(r.bytes),
    error: (r.error as string | null) ?? null,
    emailedAt: (r.emailedAt as Date | null) ?? null,
    createdAt: r.createdAt as Date,
    finishedAt: (r.finishedAt as Date | null) ?? null,
  };
}

/** Stores a report (the same id again changes nothing) and returns it. */
export async function insertReport(db: Db, r: NewReport): Promise<Report> {
  await db`
    insert into reports (id, type, format, period_from, period_to, requested_by, schedule_id, workflow_id, email_to, workflow_started)
    values (${r.id}, ${r.type}, ${r.format}, ${r.period.from}, ${r.period.to}, ${r.requestedBy ?? null}, ${r.scheduleId ?? null},
            ${r.workflowId}, ${r.emailTo}, ${r.workflowStarted ?? false})
    on conflict (id) do nothing`;
  return (await reportById(db, r.id))!;
}

export async function reportById(db: Db, id: string): Promise<Report | null> {
  const [row] = await db`select * from reports where id = ${id}`;
  return row ? toReport(row) : null;
}

export async function listReports(db: Db, page: { before?: string; limit: number }): Promise<Report[]> {
  const rows = await db`
    select * from reports
    ${page.before ? db`where ${afterRowById(db, 'reports', 'created_at', page.before)}` : db``}
    ${newestFirst(db, 'created_at')} limit ${page.limit}`;
  return rows.map(toReport);
}

export async function markReportDone(db: Db, id: string, file: { rows: number; bytes: number }): Promise<void> {
  await db`
    update reports set status = 'done', rows = ${file.rows}, bytes = ${file.bytes},
      finished_at = coalesce(finished_at, now())
    where id = ${id}`;
}

export async function markReportFailed(db: Db, id: string, error: string): Promise<void> {
  await db`update reports set status = 'failed', error = ${error}, finished_at = now() where id = ${id} and status = 'running'`;
}

export async function markReportEmailed(db: Db, id: string): Promise<void> {
  await db`update reports set emailed_at = coalesce(emailed_at, now()) where id = ${id}`;
}

export async function unstartedReports(db: Db, olderThanSeconds: number): Promise<Report[]> {
  return (await rowsWithoutWorkflow(db, 'reports', olderThanSeconds)).map(toReport);
}

export interface ReportSchedule {
  id: string;
  type: ReportType;
  format: ReportFormat;
  period: ReportPeriodUnit;
  cron: string;
  emailTo: string | null;
  paused: boolean;
  createdBy: string | null;
  createdAt: Date;
}

function toSchedule(r: Record<string, unknown>): ReportSchedule {
  return {
    id: r.id as string,
    type: r.type as ReportType,
    format: r.format as ReportFormat,
    period: r.period as ReportPeriodUnit,
    cron: r.cron as string,
    emailTo: (r.emailTo as string | null) ?? null,
    paused: r.paused as boolean,
    createdBy: (r.createdBy as string | null) ?? null,
    createdAt: r.createdAt as Date,
  };
}

export async function insertSchedule(db: Db, s: Omit<ReportSchedule, 'paused' | 'createdAt'>): Promise<ReportSchedule> {
  const [row] = await db`
    insert into report_schedules (id, type, format, period, cron, email_to, created_by)
    values (${s.id}, ${s.type}, ${s.format}, ${s.period}, ${s.cron}, ${s.emailTo}, ${s.createdBy})
    returning *`;
  return toSchedule(row!);
}

export async function scheduleById(db: Db, id: string): Promise<ReportSchedule | null> {
  const [row] = await db`select * from report_schedules where id = ${id}`;
  return row ? toSchedule(row) : null;
}

export async function listSchedules(db: Db): Promise<ReportSchedule[]> {
  return (await db`select * from report_schedules order by created_at, id`).map(toSchedule);
}

export async function setSchedulePaused(db: Db, id: string, paused: boolean): Promise<void> {
  await db`update report_schedules set paused = ${paused} where id = ${id}`;
}

export async function deleteSchedule(db: Db, id: string): Promise<void> {
  await db`delete from report_schedules where id = ${id}`;
}
