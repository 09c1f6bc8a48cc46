/** The report workflow on the time-skipping server, with its real activities against a test database. */
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportActivities } from '../../activities/reports/activities.js';
import { lastWholePeriod } from '../../domain/reports/reports.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import { reportFileChunks } from '../../services/reports/file-store.js';
import { insertReport, listReports, reportById } from '../../services/reports/store.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { reportWorkflow } from '../../workflows/reports/workflow.js';
import type { ReportInput } from '../../workflows/reports/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { timeSkippingEnvironment, workflowBundle } from '../support/temporal.js';

let env: TestWorkflowEnvironment;
let db: TestDatabase;
const mailed: Array<Parameters<Mailer['send']>[0]> = [];
const mailer: Mailer = {
  async send(message) {
    mailed.push(message);
    return { messageId: String(mailed.length) };
  },
  close() {},
};

beforeAll(async () => {
  [env, db] = await Promise.all([timeSkippingEnvironment(), createTestDatabase()]);
  await new LedgerWriter(db.sql).submit({
    transfers: [{ kind: 'posted', key: 'r1', debit: 'equity:adjustments', credit: 'user:a', currency: 'EUR', amount: 1250n }],
  });
});
afterAll(async () => {
  await env?.teardown();
  await db?.drop();
});

async function run(workflowId: string, input: ReportInput, replace: Record<string, unknown> = {}) {
  const activities = {
    ...createReportActivities({ sql: db.sql, log: pino({ level: 'silent' }), mailer, publicUrl: 'https://sluice.example' }),
    ...replace,
  };
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: 'reports-test',
    workflowBundle: workflowBundle(),
    activities,
  });
  return worker.runUntil(async () => {
    const handle = await env.client.workflow.start(reportWorkflow, { taskQueue: 'reports-test', workflowId, args: [input] });
    const result = await handle.result();
    if (process.env.RECORD_HISTORIES && result.status === 'done') {
      // a finished run takes the `report-announced` branch
      const history = await handle.fetchHistory();
      await writeFile(new URL('../fixtures/histories/report-announced.json', import.meta.url), historyToJSON(history));
    }
    return result;
  });
}

async function text(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

const storedReport = async (emailTo: string | null) =>
  insertReport(db.sql, {
    id: randomUUID(),
    type: 'ledger_entries',
    format: 'csv',
    period: { from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() },
    workflowId: `report:${randomUUID()}`,
    emailTo,
  });

describe('reportWorkflow', () => {
  it('writes a stored report’s file and mails it once', async () => {
    const report = await storedReport('finance@example.com');
    const result = await run(report.workflowId, { trigger: 'on-demand', id: report.id, emailTo: report.emailTo });
    expect(result).toEqual({ id: report.id, status: 'done', rows: 1, emailed: true });
    const done = (await reportById(db.sql, report.id))!;
    expect(done).toMatchObject({ status: 'done', rows: 1, emailedAt: expect.any(Date) });
    const file = await text(reportFileChunks(db.sql, report.id));
    expect(file.split('\n')[1]).toMatch(/,posted,EUR,12\.50,equity:adjustments,user:a,,$/);
    expect(done.bytes).toBe(Buffer.byteLength(file));
    expect(mailed).toHaveLength(1);
    const [attachment] = mailed[0]!.attachments!;
    expect(attachment!.filename).toMatch(/^ledger_entries-.*\.csv$/);
    expect(await text(attachment!.content)).toBe(file);
    // announced once to the alert routes, with the link to its download
    const [announced] = await db.sql`select kind, body from notifications where key = ${`report:${report.id}:ready`}`;
    expect(announced).toMatchObject({
      kind: 'report_ready',
      body: { rows: 1, url: `https://sluice.example/v1/ops/reports/${report.id}/file` },
    });
  });

  it('records a scheduled run’s report for the last whole period', async () => {
    const scheduleId = randomUUID();
    const result = await run(`report:scheduled:${scheduleId}`, {
      trigger: 'schedule',
      scheduleId,
      type: 'liabilities',
      format: 'xlsx',
      period: 'day',
      emailTo: null,
    });
    expect(result).toMatchObject({ status: 'done', emailed: false });
    const [stored] = (await listReports(db.sql, { limit: 10 })).filter((r) => r.scheduleId === scheduleId);
    expect(stored).toMatchObject({ id: result.id, type: 'liabilities', format: 'xlsx', status: 'done' });
    // the time-skipping server's clock is the workflow's: the period is the whole day before it
    expect(stored!.period.to.endsWith('T00:00:00.000Z')).toBe(true);
    expect(Date.parse(stored!.period.to) - Date.parse(stored!.period.from)).toBe(86_400_000);
    expect(lastWholePeriod(new Date(stored!.period.to), 'day').to).toBe(stored!.period.to);
  });

  it('marks a report failed when its file cannot be written, and never mails it', async () => {
    const report = await storedReport('finance@example.com');
    const before = mailed.length;
    const result = await run(
      report.workflowId,
      { trigger: 'on-demand', id: report.id, emailTo: report.emailTo },
      {
        writeReport: async () => {
          throw ApplicationFailure.nonRetryable('disk full');
        },
      },
    );
    expect(result).toEqual({ id: report.id, status: 'failed', rows: null, emailed: false });
    expect(await reportById(db.sql, report.id)).toMatchObject({ status: 'failed', error: 'disk full' });
    expect(mailed).toHaveLength(before);
    // operators are told, once, naming it
    expect(
      await db.sql`select kind, severity, title, body from notifications where key = ${`report:${report.id}:failed`}`,
    ).toEqual([
      {
        kind: 'report_failed',
        severity: 'warning',
        title: expect.stringMatching(/^Report ledger_entries .* failed: disk full$/),
        body: expect.objectContaining({ report_id: report.id, schedule_id: null, error: 'disk full' }),
      },
    ]);
  });
});
