/**
 * The one way into reports: an on-demand report is stored and then its workflow started (`report:<id>`, through the
 * outbox); a schedule is a row and the Temporal Schedule `report-schedule:<id>` that runs its reports, which
 * operators pause, resume and delete.
 */
import { randomUUID } from 'node:crypto';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import {
  periodProblem,
  type ReportFormat,
  type ReportPeriod,
  type ReportPeriodUnit,
  type ReportType,
} from '../../domain/reports/reports.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { markWorkflowStarted } from '../../platform/db/workflow-outbox.js';
import type { Logger } from '../../platform/log.js';
import { startMissed, storeThenStart, type WorkflowOutbox } from '../../platform/temporal/start-after-commit.js';
import type { TemporalTarget } from '../../platform/temporal/target.js';
import {
  reportScheduleId,
  reportSearchAttributes,
  reportWorkflowId,
  reportWorkflowType,
  scheduledReportWorkflowId,
  type ReportWorkflow,
} from '../../workflows/reports/messages.js';
import {
  deleteSchedule,
  insertReport,
  insertSchedule,
  scheduleById,
  setSchedulePaused,
  unstartedReports,
  type Report,
  type ReportSchedule,
} from './store.js';

export { listReports, listSchedules, reportById, type Report, type ReportSchedule } from './store.js';
export { reportFileChunks } from './file-store.js';

interface ReportDeps {
  sql: Sql;
  temporal: TemporalTarget;
  log: Logger;
}

/** Stored reports and their workflows, for storeThenStart and startMissed. */
export function reportOutbox(temporal: TemporalTarget, db: Db): WorkflowOutbox<Report> {
  return {
    kind: 'report',
    idOf: (r) => r.id,
    async start(r) {
      await temporal.client.workflow.start<ReportWorkflow>(reportWorkflowType, {
        taskQueue: temporal.taskQueue,
        workflowId: reportWorkflowId(r.id),
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        args: [{ trigger: 'on-demand', id: r.id, emailTo: r.emailTo }],
        typedSearchAttributes: reportSearchAttributes,
      });
    },
    markStarted: (r) => markWorkflowStarted(db, 'reports', r.id),
    unstarted: (graceSeconds) => unstartedReports(db, graceSeconds),
  };
}

/** The worker's sweep: starts the workflows of reports the API stored but did not start. */
export function startUnstartedReports(temporal: TemporalTarget, db: Db, log: Logger, graceSeconds: number): Promise<number> {
  return startMissed(reportOutbox(temporal, db), graceSeconds, log);
}

function checkPeriod(period: ReportPeriod): void {
  const problem = periodProblem(period, new Date());
  if (problem) throw new DomainError(ErrorCode.ValidationFailed, problem, [{ path: 'to', message: problem }]);
}

export async function requestReport(
  deps: ReportDeps,
  request: { type: ReportType; format: ReportFormat; period: ReportPeriod; emailTo: string | null; requestedBy: string },
): Promise<Report> {
  checkPeriod(request.period);
  const id = randomUUID();
  const stored = await storeThenStart(
    reportOutbox(deps.temporal, deps.sql),
    () => insertReport(deps.sql, { id, workflowId: reportWorkflowId(id), ...request }),
    deps.log,
  );
  return stored!;
}

export async function createReportSchedule(
  deps: ReportDeps,
  request: {
    type: ReportType;
    format: ReportFormat;
    period: ReportPeriodUnit;
    cron: string;
    emailTo: string | null;
    createdBy: string;
  },
): Promise<ReportSchedule> {
  const id = randomUUID();
  // the Temporal Schedule first: a cron it refuses must not leave a row behind
  await deps.temporal.client.schedule.create({
    scheduleId: reportScheduleId(id),
    spec: { cronExpressions: [request.cron] },
    action: {
      type: 'startWorkflow',
      workflowType: reportWorkflowType,
      workflowId: scheduledReportWorkflowId(id),
      taskQueue: deps.temporal.taskQueue,
      args: [
        {
          trigger: 'schedule',
          scheduleId: id,
          type: request.type,
          format: request.format,
          period: request.period,
          emailTo: request.emailTo,
        },
      ],
      typedSearchAttributes: reportSearchAttributes,
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
    memo: { description: `${request.type} report of the last ${request.period}, ${request.format}` },
  });
  const schedule = await insertSchedule(deps.sql, { id, ...request });
  deps.log.info({ schedule: id, cron: request.cron, type: request.type, operator: request.createdBy }, 'report schedule created');
  return schedule;
}

async function existingSchedule(db: Db, id: string): Promise<ReportSchedule> {
  const schedule = await scheduleById(db, id);
  if (!schedule) throw new DomainError(ErrorCode.NotFound, 'no such report schedule');
  return schedule;
}

/** Pauses or resumes the Temporal Schedule, then records it. */
export async function pauseReportSchedule(deps: ReportDeps, id: string, paused: boolean): Promise<ReportSchedule> {
  await existingSchedule(deps.sql, id);
  const handle = deps.temporal.client.schedule.getHandle(reportScheduleId(id));
  if (paused) await handle.pause('paused by an operator');
  else await handle.unpause('resumed by an operator');
  await setSchedulePaused(deps.sql, id, paused);
  return existingSchedule(deps.sql, id);
}

export async function deleteReportSchedule(deps: ReportDeps, id: string): Promise<void> {
  await existingSchedule(deps.sql, id);
  try {
    await deps.temporal.client.schedule.getHandle(reportScheduleId(id)).delete();
  } catch (error) {
    if (!(error instanceof ScheduleNotFoundError)) throw error;
  }
  await deleteSchedule(deps.sql, id);
}
