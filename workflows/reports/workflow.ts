/**
 * One report run (`report:<id>`): a scheduled run first records its report for the last whole period; then the file
 * is written from Postgres, streamed through a cursor, and mailed when an address was given. A report that cannot be
 * written is marked failed, never left running. A finished report is announced to the alert routes (Slack, Telegram).
 */
import { ActivityFailure, log, proxyActivities, upsertSearchAttributes, uuid4, workflowInfo } from '@temporalio/workflow';
import type { createReportActivities } from '../../activities/reports/activities.js';
import { lastWholePeriod } from '../../domain/reports/reports.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { isPatched } from '../../platform/temporal/versions.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import { scheduledRunTime, type ReportInput, type ReportResult } from './messages.js';

type Activities = ReturnType<typeof createReportActivities>;
const { writeReport } = proxyActivities<Activities>(retryPolicies.reportFile);
const { recordScheduledReport, markReportFailed, announceReport } = proxyActivities<Activities>(retryPolicies.bookkeeping);
const { emailReport } = proxyActivities<Activities>(retryPolicies.providerSend);

export async function reportWorkflow(input: ReportInput): Promise<ReportResult> {
  let id: string;
  if (input.trigger === 'schedule') {
    id = uuid4();
    await recordScheduledReport({
      id,
      scheduleId: input.scheduleId,
      type: input.type,
      format: input.format,
      // the period before the run was due, not before it started: a run started late (the worker down at midnight,
      // a schedule's catch-up or backfill) reported the period it started in, twice, and the one due never
      period: lastWholePeriod(scheduledRunTime(workflowInfo().workflowId) ?? new Date(), input.period),
      emailTo: input.emailTo,
      workflowId: workflowInfo().workflowId,
    });
  } else {
    id = input.id;
  }

  let rows: number;
  try {
    rows = (await writeReport({ id })).rows;
  } catch (error) {
    if (!(error instanceof ActivityFailure)) throw error;
    await markReportFailed({ id, error: error.cause?.message ?? error.message });
    upsertSearchAttributes([{ key: SluiceStatus, value: 'failed' }]);
    return { id, status: 'failed', rows: null, emailed: false };
  }
  let emailed = false;
  if (input.emailTo) {
    try {
      await emailReport({ id });
      emailed = true;
    } catch (error) {
      if (!(error instanceof ActivityFailure)) throw error;
      // the file stays downloadable: a mail server that refuses does not undo the report
      log.warn('report not mailed', { id, error: error.cause?.message ?? error.message });
    }
  }
  if (isPatched('report-announced')) await announceReport({ id });
  upsertSearchAttributes([{ key: SluiceStatus, value: 'done' }]);
  return { id, status: 'done', rows, emailed };
}
