/** What the report workflow and its callers (the API, operators' schedules) share. */
import type { ReportFormat, ReportPeriodUnit, ReportType } from '../../domain/reports/reports.js';
import { SluiceKind } from '../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const reportWorkflowType = 'reportWorkflow';
export type ReportWorkflow = (input: ReportInput) => Promise<ReportResult>;

/** An on-demand report's workflow; a schedule's runs are `report:scheduled:<schedule id>-<time>` (Temporal adds the time). */
export const reportWorkflowId = (id: string) => `report:${id}`;
export const scheduledReportWorkflowId = (scheduleId: string) => `report:scheduled:${scheduleId}`;
export const reportScheduleId = (scheduleId: string) => `report-schedule:${scheduleId}`;

/**
 * The time a schedule's run was due, from the `-<time>` Temporal appends to its workflow ID (RFC 3339, whole seconds),
 * or null for an ID without one.
 */
export function scheduledRunTime(workflowId: string): Date | null {
  const due = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))$/.exec(workflowId);
  return due ? new Date(due[1]!) : null;
}

/** On demand: the API stored the report's row. Scheduled: the run stores its own, for the last whole period. */
export type ReportInput =
  | { trigger: 'on-demand'; id: string; emailTo: string | null }
  | {
      trigger: 'schedule';
      scheduleId: string;
      type: ReportType;
      format: ReportFormat;
      period: ReportPeriodUnit;
      emailTo: string | null;
    };

export interface ReportResult {
  id: string;
  status: 'done' | 'failed';
  rows: number | null;
  emailed: boolean;
}

export const reportSearchAttributes = [{ key: SluiceKind, value: 'report' }];
