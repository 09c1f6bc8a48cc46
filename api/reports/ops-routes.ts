/** Reports for operators: ask for one now, follow it, download its file; and the schedules that run them. */
import { Readable } from 'node:stream';
import { z, type OpenAPIHono } from '@hono/zod-openapi';
import { ErrorCode } from '../../domain/errors.js';
import { cronProblem } from '../../domain/reports/cron.js';
import {
  REPORT_CONTENT_TYPES,
  REPORT_FORMATS,
  REPORT_PERIODS,
  REPORT_TYPES,
  reportFileName,
} from '../../domain/reports/reports.js';
import {
  createReportSchedule,
  deleteReportSchedule,
  listReports,
  listSchedules,
  pauseReportSchedule,
  reportById,
  reportFileChunks,
  requestReport,
  type Report,
  type ReportSchedule,
} from '../../services/reports/client.js';
import type { ApiDeps, AppEnv } from '../context.js';
import type { Guards } from '../http/guards.js';
import { decodeCursor, pageBody, Positions } from '../http/pages.js';
import { ApiError, found } from '../http/problem.js';
import { jsonBody, jsonResponse, problems } from '../http/schemas.js';
import { guardedRoute, pageRoute } from '../http/routes.js';
import { storableInstant } from '../http/instants.js';

const IdParam = z.object({ id: z.uuid() });
const ReportType = z.enum(REPORT_TYPES).openapi({ description: 'What the report lists (see the API description)' });
const ReportFormat = z.enum(REPORT_FORMATS);
const Email = z.email().max(254).optional();
/** Five cron fields (minute hour day-of-month month day-of-week), in UTC. */
const Cron = z
  .string()
  .max(100)
  .regex(/^[0-9*/,\-A-Za-z]+( [0-9*/,\-A-Za-z]+){4}$/, {
    message: 'must be a cron expression of five fields such as "0 6 * * *"',
    abort: true,
  })
  .superRefine((expression, ctx) => {
    const problem = cronProblem(expression);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({ example: '0 6 * * *' });
const Timestamp = z.iso.datetime({ offset: true }).openapi({ example: '2026-11-01T00:00:00Z' });

const ReportView = z
  .object({
    id: z.string(),
    type: ReportType,
    format: ReportFormat,
    from: z.string(),
    to: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    schedule_id: z.string().nullable(),
    workflow_id: z.string(),
    email_to: z.string().nullable(),
    rows: z.number().int().nullable(),
    bytes: z.number().int().nullable(),
    error: z.string().nullable(),
    emailed_at: z.string().nullable(),
    file_url: z.string().nullable(),
    created_at: z.string(),
    finished_at: z.string().nullable(),
  })
  .openapi('Report');

const ScheduleView = z
  .object({
    id: z.string(),
    type: ReportType,
    format: ReportFormat,
    period: z.enum(REPORT_PERIODS),
    cron: z.string(),
    email_to: z.string().nullable(),
    paused: z.boolean(),
    created_at: z.string(),
  })
  .openapi('ReportSchedule', { description: 'Each run reports the last whole period (UTC) before it' });

const reportView = (r: Report) => ({
  id: r.id,
  type: r.type,
  format: r.format,
  from: r.period.from,
  to: r.period.to,
  status: r.status,
  schedule_id: r.scheduleId,
  workflow_id: r.workflowId,
  email_to: r.emailTo,
  rows: r.rows,
  bytes: r.bytes,
  error: r.error,
  emailed_at: r.emailedAt?.toISOString() ?? null,
  file_url: r.status === 'done' ? `/v1/ops/reports/${r.id}/file` : null,
  created_at: r.createdAt.toISOString(),
  finished_at: r.finishedAt?.toISOString() ?? null,
});

const scheduleView = (s: ReportSchedule) => ({
  id: s.id,
  type: s.type,
  format: s.format,
  period: s.period,
  cron: s.cron,
  email_to: s.emailTo,
  paused: s.paused,
  created_at: s.createdAt.toISOString(),
});

export function reportRoutes(app: OpenAPIHono<AppEnv>, deps: ApiDeps, guards: Guards) {
  const reports = { sql: deps.sql, temporal: deps.temporal, log: deps.log };

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/reports',
      tags: ['operations'],
      summary: 'Run a report now: its workflow writes the file (and mails it to email_to, when given)',
      request: jsonBody(
        z.object({ type: ReportType, format: ReportFormat.default('csv'), from: Timestamp, to: Timestamp, email_to: Email }),
      ),
      responses: { 202: jsonResponse('Started', ReportView), ...problems(400, 401, 403, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const report = await requestReport(reports, {
        type: body.type,
        format: body.format,
        period: { from: storableInstant(body.from).toISOString(), to: storableInstant(body.to).toISOString() },
        emailTo: body.email_to ?? null,
        requestedBy: c.get('user').id,
      });
      return c.json(reportView(report), 202);
    },
  );

  app.openapi(
    pageRoute(guards.operator, {
      path: '/v1/ops/reports',
      tags: ['operations'],
      summary: 'Reports, newest first',
      items: ['A page of reports', ReportView],
      forbidden: true,
    }),
    async (c) => {
      const { limit, cursor } = c.req.valid('query');
      return c.json(
        await pageBody(
          await listReports(deps.sql, { before: decodeCursor(cursor, Positions.uuid), limit: limit + 1 }),
          limit,
          (r) => r.id,
          reportView,
        ),
        200,
      );
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/reports/{id}',
      tags: ['operations'],
      summary: "A report's status, and where to download it once done",
      request: { params: IdParam },
      responses: { 200: jsonResponse('The report', ReportView), ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      const report = found(await reportById(deps.sql, c.req.valid('param').id), 'no such report');
      return c.json(reportView(report), 200);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/reports/{id}/file',
      tags: ['operations'],
      summary: "A finished report's file, streamed",
      request: { params: IdParam },
      responses: {
        200: {
          description: 'The file',
          content: Object.fromEntries(
            Object.values(REPORT_CONTENT_TYPES).map((type) => [type, { schema: z.string().openapi({ format: 'binary' }) }]),
          ),
        },
        ...problems(400, 401, 403, 404, 409),
      },
    }),
    async (c) => {
      const report = found(await reportById(deps.sql, c.req.valid('param').id), 'no such report');
      if (report.status !== 'done')
        throw new ApiError(ErrorCode.Conflict, `the report is ${report.status}: its file is not ready`);
      const file = Readable.from(reportFileChunks(deps.sql, report.id));
      return c.body(Readable.toWeb(file) as ReadableStream, 200, {
        'content-type': REPORT_CONTENT_TYPES[report.format],
        'content-disposition': `attachment; filename="${reportFileName(report.type, report.format, report.period)}"`,
        ...(report.bytes !== null ? { 'content-length': String(report.bytes) } : {}),
      });
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'post',
      path: '/v1/ops/report-schedules',
      tags: ['operations'],
      summary: 'Run a report on a cron schedule (UTC), each run covering the last whole day, week or month',
      description:
        'A `cron` with a field out of range, a range that runs backwards, or a day of month no month it names has ' +
        '(`0 0 31 2 *`: a day must match both day fields, as Temporal reads them) is a 400 naming `cron`.',
      request: jsonBody(
        z.object({
          type: ReportType,
          format: ReportFormat.default('csv'),
          period: z.enum(REPORT_PERIODS),
          cron: Cron,
          email_to: Email,
        }),
      ),
      responses: { 201: jsonResponse('Created', ScheduleView), ...problems(400, 401, 403, 415) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      const schedule = await createReportSchedule(reports, {
        type: body.type,
        format: body.format,
        period: body.period,
        cron: body.cron,
        emailTo: body.email_to ?? null,
        createdBy: c.get('user').id,
      });
      return c.json(scheduleView(schedule), 201);
    },
  );

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'get',
      path: '/v1/ops/report-schedules',
      tags: ['operations'],
      summary: 'Report schedules',
      responses: { 200: jsonResponse('Schedules', z.object({ data: z.array(ScheduleView) })), ...problems(401, 403) },
    }),
    async (c) => c.json({ data: (await listSchedules(deps.sql)).map(scheduleView) }, 200),
  );

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.openapi(
      guardedRoute(guards.operator, {
        method: 'post',
        path: `/v1/ops/report-schedules/{id}/${action}`,
        tags: ['operations'],
        summary: paused ? 'Pause a report schedule' : 'Resume a paused report schedule',
        request: { params: IdParam },
        responses: { 200: jsonResponse('The schedule', ScheduleView), ...problems(400, 401, 403, 404) },
      }),
      async (c) => c.json(scheduleView(await pauseReportSchedule(reports, c.req.valid('param').id, paused)), 200),
    );
  }

  app.openapi(
    guardedRoute(guards.operator, {
      method: 'delete',
      path: '/v1/ops/report-schedules/{id}',
      tags: ['operations'],
      summary: 'Delete a report schedule (its past reports stay)',
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, ...problems(400, 401, 403, 404) },
    }),
    async (c) => {
      await deleteReportSchedule(reports, c.req.valid('param').id);
      return c.body(null, 204);
    },
  );
}
