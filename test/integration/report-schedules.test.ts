/**
 * Report schedules through the API on a real Temporal (a namespace of the file's own with the search attributes the
 * reports start with; no worker polls it): a cron that runs is a Temporal Schedule and a row; one that never runs
 * (February 31st, which Temporal takes and never starts) is a mistake, a 400 naming `cron`, and leaves neither behind.
 * The 500 a helper once saw here was the harness's: the app's own namespace has no search attributes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { ownNamespace } from '../support/own-namespace.js';

let t: TestApp;
let temporal: Awaited<ReturnType<typeof ownNamespace>>;
beforeAll(async () => {
  t = await startTestApp();
  temporal = await ownNamespace();
  t.deps.temporal.client = temporal.client;
});
afterAll(async () => {
  await temporal?.close();
  await t?.close();
});

const schedule = (cron: string) =>
  t.api.post('/v1/ops/report-schedules', { type: 'liabilities', period: 'day', cron }, { token: t.admin.token });

describe('a report schedule', () => {
  it('is created for a cron that runs', async () => {
    const created = await schedule('0 6 * * *');
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const handle = t.deps.temporal.client.schedule.getHandle(`report-schedule:${created.body.id}`);
    expect((await handle.describe()).spec.calendars?.length ?? 0).toBeGreaterThan(0);
    expect((await t.api.delete(`/v1/ops/report-schedules/${created.body.id}`, { token: t.admin.token })).status).toBe(204);
  });

  it.each(['0 0 31 2 *', '0 0 30 2 *', '0 0 31 4,6,9,11 *'])('is refused for %s, which never runs, naming cron', async (cron) => {
    const refused = await schedule(cron);
    expect(refused).toMatchObject({
      status: 400,
      body: {
        code: 'validation_failed',
        errors: [{ path: 'cron', message: 'never runs: no month it names has a day of month it names' }],
      },
    });
    expect(await t.db.sql`select 1 from report_schedules`).toHaveLength(0);
  });

  it('is refused for a range Temporal would refuse, naming cron, where it was a 500', async () => {
    const refused = await schedule('0 0 20-10 * *');
    expect(refused).toMatchObject({ status: 400, body: { code: 'validation_failed', errors: [{ path: 'cron' }] } });
    expect(await t.db.sql`select 1 from report_schedules`).toHaveLength(0);
  });
});
