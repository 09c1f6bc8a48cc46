/** Report activities: a scheduled run's row, the file, its failure, the mail that delivers it and its announcement. */
import { Readable } from 'node:stream';
import { ApplicationFailure, heartbeat } from '@temporalio/activity';
import { ErrorCode } from '../../domain/errors.js';
import { REPORT_CONTENT_TYPES, REPORT_DESCRIPTIONS, reportFileName } from '../../domain/reports/reports.js';
import type { Sql } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import { raiseAlert } from '../../services/notifications/client.js';
import { reportFileChunks } from '../../services/reports/file-store.js';
import { generateReport } from '../../services/reports/generate.js';
import {
  insertReport,
  markReportEmailed,
  markReportFailed,
  reportById,
  type NewReport,
  type Report,
} from '../../services/reports/store.js';

export interface ReportActivityDeps {
  sql: Sql;
  log: Logger;
  mailer: Mailer | null;
  /** Where operators reach the API (PUBLIC_URL): announcements link to the file's download there. */
  publicUrl: string;
}

export function createReportActivities(deps: ReportActivityDeps) {
  async function load(id: string): Promise<Report> {
    const report = await reportById(deps.sql, id);
    if (!report) throw ApplicationFailure.nonRetryable(`no report ${id}`, ErrorCode.NotFound);
    return report;
  }

  return {
    async recordScheduledReport(report: NewReport & { scheduleId: string }): Promise<void> {
      await insertReport(deps.sql, { ...report, workflowStarted: true });
    },

    /** Writes the file (again, from the start, when retried); a report already done is left as it is. */
    async writeReport({ id }: { id: string }): Promise<{ rows: number }> {
      const report = await load(id);
      if (report.status === 'done') return { rows: report.rows ?? 0 };
      const written = await generateReport(deps.sql, report, (rows) => heartbeat(rows));
      deps.log.info({ report: id, type: report.type, rows: written.rows, bytes: written.bytes }, 'report written');
      return { rows: written.rows };
    },

    /**
     * Marks the report failed and alerts operators, once (keyed by the report): a scheduled report failed only in the
     * log and its row before, and nobody asked for it to see that.
     */
    async markReportFailed({ id, error }: { id: string; error: string }): Promise<void> {
      const report = await load(id);
      const { from, to } = report.period;
      await deps.sql.begin(async (tx) => {
        await markReportFailed(tx, id, error);
        await raiseAlert(tx, {
          eventId: `report:${id}:failed`,
          type: 'other',
          kind: 'report_failed',
          severity: 'warning',
          title: `Report ${report.type} ${from.slice(0, 10)} to ${to.slice(0, 10)} failed: ${error}`,
          data: { report_id: id, type: report.type, schedule_id: report.scheduleId, from, to, error },
        });
      });
      deps.log.error({ report: id, error }, 'report failed');
    },

    /** Mails the file once (a retry after the mail went out finds it recorded). */
    async emailReport({ id }: { id: string }): Promise<void> {
      const report = await load(id);
      if (report.emailedAt || !report.emailTo || report.status !== 'done') return;
      if (!deps.mailer)
        throw ApplicationFailure.nonRetryable('no SMTP_URL is configured: cannot mail reports', ErrorCode.Unavailable);
      const { from, to } = report.period;
      await deps.mailer.send({
        to: report.emailTo,
        subject: `Sluice report: ${report.type} ${from.slice(0, 10)} to ${to.slice(0, 10)}`,
        text:
          `The ${report.type} report (${REPORT_DESCRIPTIONS[report.type]}) from ${from} to ${to}: ` +
          `${report.rows} rows, attached.\n\nReport ${id}`,
        attachments: [
          {
            filename: reportFileName(report.type, report.format, report.period),
            content: Readable.from(reportFileChunks(deps.sql, id)),
            contentType: REPORT_CONTENT_TYPES[report.format],
          },
        ],
      });
      await markReportEmailed(deps.sql, id);
    },

    /**
     * Announces the finished report as the operator alert `report_ready` (once: the report names the event), which the
     * alert routes deliver to Slack, Telegram or mail with a link to the download.
     */
    async announceReport({ id }: { id: string }): Promise<void> {
      const report = await load(id);
      const { from, to } = report.period;
      await raiseAlert(deps.sql, {
        eventId: `report:${id}:ready`,
        type: 'report_ready',
        severity: 'info',
        title: `Report ${report.type} ${from.slice(0, 10)} to ${to.slice(0, 10)} is ready`,
        data: {
          report_id: id,
          type: report.type,
          format: report.format,
          from,
          to,
          rows: report.rows,
          url: `${deps.publicUrl}/v1/ops/reports/${id}/file`,
        },
      });
    },
  };
}
