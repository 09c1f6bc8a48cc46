/**
 * A report schedule on a Temporal dev server of its own (the time-skipping server runs no schedules): runs that start
 * after the time they were due, as a backfill (or the catch-up after the worker was down at midnight) makes them,
 * report the period before that time.
 */
import { Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportActivities } from '../../activities/reports/activities.js';
import { lastWholePeriod } from '../../domain/reports/reports.js';
import { createReportSchedule } from '../../services/reports/client.js';
import { listReports } from '../../services/reports/store.js';
import { insertUser } from '../../services/users-auth/users-store.js';
import { reportScheduleId } from '../../workflows/reports/messages.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { continueAsNewServer, workflowBundle, type ContinueAsNewServer } from '../support/temporal.js';

let server: ContinueAsNewServer;
let db: TestDatabase;
beforeAll(async () => {
  [server, db] = await Promise.all([continueAsNewServer('report-schedule', 10_000), createTestDatabase()]);
});
afterAll(async () => {
  await server?.stop();
  await db?.drop();
});

describe('a report schedule', () => {
  it('reports, for each run due at a past midnight, the day before it was due, not the day before it started', async () => {
    const log = pino({ level: 'silent' });
    const taskQueue = 'report-schedule-test';
    const client = new Client({ connection: server.connection });
    // two midnights a week ago: the runs due then start now
    const operator = (await insertUser(db.sql, { email: 'ops@example.com', passwordHash: 'x', role: 'admin' }))!;
    const dayMs = 86_400_000;
    const firstDue = new Date(Date.parse(lastWholePeriod(new Date(), 'day').to) - 7 * dayMs);
    const schedule = await createReportSchedule(
      { sql: db.sql, temporal: { client, taskQueue }, log },
      { type: 'trade_volume', format: 'csv', period: 'day', cron: '0 0 * * *', emailTo: null, createdBy: operator.id },
    );
    const handle = client.schedule.getHandle(reportScheduleId(schedule.id));
    await handle.pause('only the backfill runs');
    const worker = await Worker.create({
      connection: server.native,
      taskQueue,
      workflowBundle: workflowBundle(),
      activities: createReportActivities({ sql: db.sql, log, mailer: null, publicUrl: 'https://sluice.example' }),
    });
    const periods = await worker.runUntil(async () => {
      await handle.backfill({
        start: new Date(firstDue.getTime() - dayMs / 2),
        end: new Date(firstDue.getTime() + dayMs + dayMs / 2),
        overlap: ScheduleOverlapPolicy.BUFFER_ALL,
      });
      const done = async () =>
        (await listReports(db.sql, { limit: 50 })).filter((r) => r.scheduleId === schedule.id && r.status === 'done');
      await expect.poll(async () => (await done()).length, { timeout: 30_000 }).toBe(2);
      return (await done()).map((r) => r.period).sort((a, b) => a.from.localeCompare(b.from));
    });
    const iso = (ms: number) => new Date(ms).toISOString();
    expect(periods).toEqual([
      { from: iso(firstDue.getTime() - dayMs), to: iso(firstDue.getTime()) },
      { from: iso(firstDue.getTime()), to: iso(firstDue.getTime() + dayMs) },
    ]);
    await handle.delete();
  }, 60_000);
});
