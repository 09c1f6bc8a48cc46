/**
 * Reports end to end through the API, worker, SMTP sink and a Slack webhook double: on demand in CSV and XLSX, stored
 * in Postgres, mailed, announced on Slack, downloaded and read back; trades from the running exchange; schedules
 * created, run, paused, resumed and deleted in Temporal.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fund, mailTo, startStack, type Stack } from '../support/stack.js';
import { TelegramSlackDouble } from '../support/telegram-slack-double.js';

let stack: Stack;
let slack: TelegramSlackDouble;
beforeAll(async () => {
  slack = await TelegramSlackDouble.start();
  stack = await startStack({ mailSink: true, env: { NOTIFICATION_DISPATCH_INTERVAL_MS: '200' } });
  const route = await stack.api.post(
    '/v1/ops/alert-routes',
    { event_type: 'report_ready', channel: 'slack', target: slack.slackHook('finance', 200), min_severity: 'info' },
    ops(),
  );
  expect(route.status).toBe(201);
});
afterAll(async () => {
  await stack?.stop();
  await slack?.close();
});

/** The last hour, up to now: a period not over yet is refused. */
const period = () => ({
  from: new Date(Date.now() - 3_600_000).toISOString(),
  to: new Date().toISOString(),
});
const ops = () => ({ token: stack.admin.token });

async function finished(id: string) {
  let report: any;
  await expect
    .poll(
      async () => {
        report = (await stack.api.get(`/v1/ops/reports/${id}`, ops())).body;
        return report.status;
      },
      { timeout: 60_000, interval: 250 },
    )
    .toBe('done');
  return report;
}

async function download(id: string): Promise<Response> {
  const response = await fetch(`${stack.url}/v1/ops/reports/${id}/file`, {
    headers: { authorization: `Bearer ${stack.admin.token}` },
  });
  expect(response.status).toBe(200);
  return response;
}

const csvRows = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));

describe('reports on demand', () => {
  it('lists the period’s ledger entries as CSV, mailed to the operator and announced on Slack', async () => {
    const ann = await stack.api.signUp('report-ann@example.com');
    await fund(stack, ann.id, 'USD', '125.50');
    await fund(stack, ann.id, 'ETH', '0.000000000000000001');
    const created = await stack.api.post(
      '/v1/ops/reports',
      { type: 'ledger_entries', format: 'csv', ...period(), email_to: 'finance@example.com' },
      ops(),
    );
    expect(created.status).toBe(202);
    expect(created.body).toMatchObject({ type: 'ledger_entries', status: 'running', workflow_id: `report:${created.body.id}` });
    const report = await finished(created.body.id);
    expect(report).toMatchObject({ rows: 2, file_url: `/v1/ops/reports/${created.body.id}/file` });

    const response = await download(created.body.id);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toMatch(
      /^attachment; filename="ledger_entries-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d\.csv"$/,
    );
    const [header, ...rows] = csvRows(await response.text());
    expect(header).toEqual([
      'id',
      'created_at',
      'key',
      'kind',
      'currency',
      'amount',
      'debit_account',
      'credit_account',
      'type',
      'pending_key',
    ]);
    expect(rows.map((r) => [r[3], r[4], r[5], r[7]])).toEqual([
      ['posted', 'USD', '125.50', `user:${ann.id}`],
      ['posted', 'ETH', '0.000000000000000001', `user:${ann.id}`],
    ]);

    const mail = await mailTo(stack, 'finance@example.com', /Sluice report: ledger_entries/, created.body.id);
    expect(mail.text).toContain('2 rows, attached');
    await expect
      .poll(async () => (await stack.api.get(`/v1/ops/reports/${created.body.id}`, ops())).body.emailed_at)
      .not.toBeNull();

    // Slack's incoming webhooks carry no files: the announcement links to the download, which any API process serves
    await expect
      .poll(() => slack.slack.filter((p) => p.hook === 'finance' && p.text.includes(created.body.id)).length, { timeout: 30_000 })
      .toBe(1);
    const [announced] = slack.slack.filter((p) => p.text.includes(created.body.id));
    // the Slack escaping keeps the type's underscore from starting italics (a zero-width space after it)
    expect(announced!.text).toMatch(
      /^:bar_chart: \*Report ledger_\u200Bentries \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d is ready\*\n2 rows, csv: </,
    );
    const link = /<(http[^|>]+)\|download>/.exec(announced!.text)![1]!;
    expect(new URL(link).pathname).toBe(`/v1/ops/reports/${created.body.id}/file`);
  });

  it('writes XLSX: liabilities against custody, and trades with their volume from the exchange', async () => {
    const seller = await stack.api.signUp('report-seller@example.com');
    const buyer = await stack.api.signUp('report-buyer@example.com');
    await fund(stack, seller.id, 'BTC', '1');
    await fund(stack, buyer.id, 'USDT', '10000');
    const order = (user: { token: string }, body: object, key: string) =>
      stack.api.post(
        '/v1/orders',
        { pair: 'BTC-USDT', type: 'limit', ...body },
        { token: user.token, headers: { 'idempotency-key': key } },
      );
    expect((await order(seller, { side: 'sell', price: '50000', amount: '0.1' }, 'report-ask')).status).toBe(201);
    expect((await order(buyer, { side: 'buy', price: '50000', amount: '0.04' }, 'report-bid')).status).toBe(201);
    // the trade settles in the ledger on its own batch, after the order's answer: the reports read the ledger as it is
    await expect
      .poll(
        async () =>
          (await stack.api.get('/v1/balances', { token: buyer.token })).body.data.find(
            (b: { currency: string }) => b.currency === 'BTC',
          )?.posted,
      )
      .toBe('0.03992000');

    const sheet = async (type: string) => {
      const created = await stack.api.post('/v1/ops/reports', { type, format: 'xlsx', ...period() }, ops());
      expect(created.status).toBe(202);
      await finished(created.body.id);
      const response = await download(created.body.id);
      expect(response.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(Buffer.from(await response.arrayBuffer()) as never);
      const rows: unknown[][] = [];
      workbook.worksheets[0]!.eachRow((row) => rows.push((row.values as unknown[]).slice(1)));
      return rows;
    };

    const liabilities = await sheet('liabilities');
    expect(liabilities[0]).toEqual(['currency', 'as_of', 'user_balances', 'custody', 'coverage']);
    // adjustments come from equity, not custody: users are owed what nothing in custody covers; the buyer's fee
    // (0.2 % of 0.04 BTC) left the users for fees:BTC
    expect(liabilities.find((r) => r[0] === 'BTC')).toEqual([
      'BTC',
      expect.any(String),
      '0.99992000',
      '0.00000000',
      '-0.99992000',
    ]);

    const trades = await sheet('trades');
    expect(trades.slice(1)).toEqual([
      [
        'BTC-USDT',
        expect.any(String),
        expect.any(String),
        '50000.000000',
        '0.04000000',
        '2000.000000',
        'buy',
        expect.any(String),
        expect.any(String),
      ],
    ]);
    const volume = await sheet('trade_volume');
    expect(volume.find((r) => r[0] === 'BTC-USDT')).toEqual([
      'BTC-USDT',
      1,
      '0.04000000',
      '2000.000000',
      expect.any(String),
      expect.any(String),
    ]);

    const summary = await sheet('currency_summary');
    const usdt = summary.find((r) => r[0] === 'USDT')!;
    // the seller's fee on 2000 USDT (maker, 0.1 %) is earned
    expect(usdt.slice(0, 6)).toEqual(['USDT', 0, '0.000000', 0, '0.000000', '2.000000']);
  });

  it('refuses bad requests with a problem naming the field', async () => {
    const backwards = await stack.api.post(
      '/v1/ops/reports',
      { type: 'liabilities', from: period().to, to: period().from },
      ops(),
    );
    expect(backwards.status).toBe(400);
    expect(backwards.body.errors).toEqual([{ path: 'to', message: 'to must be after from' }]);
    const unfinished = await stack.api.post(
      '/v1/ops/reports',
      { type: 'liabilities', from: period().from, to: new Date(Date.now() + 3_600_000).toISOString() },
      ops(),
    );
    expect([unfinished.status, unfinished.body.errors]).toEqual([
      400,
      [{ path: 'to', message: 'to must not be in the future: the period is not over, so the report would be partial' }],
    ]);
    const unknown = await stack.api.post('/v1/ops/reports', { type: 'everything', ...period() }, ops());
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors.map((e: { path: string }) => e.path)).toEqual(['type']);
    expect((await stack.api.get('/v1/ops/reports/00000000-0000-4000-8000-000000000000', ops())).status).toBe(404);
    const user = await stack.api.signUp('report-nosy@example.com');
    expect((await stack.api.post('/v1/ops/reports', { type: 'liabilities', ...period() }, { token: user.token })).status).toBe(
      403,
    );
  });
});

describe('report schedules', () => {
  it('creates a Temporal Schedule whose runs report the last whole day; pauses, resumes and deletes it', async () => {
    const created = await stack.api.post(
      '/v1/ops/report-schedules',
      { type: 'currency_summary', format: 'csv', period: 'day', cron: '0 6 * * *' },
      ops(),
    );
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const handle = stack.temporal.schedule.getHandle(`report-schedule:${id}`);
    expect((await handle.describe()).spec.calendars?.length ?? 0).toBeGreaterThan(0);

    await handle.trigger();
    let report: any;
    await expect
      .poll(
        async () => {
          const list = (await stack.api.get('/v1/ops/reports', ops())).body.data;
          report = list.find((r: { schedule_id: string | null }) => r.schedule_id === id);
          return report?.status;
        },
        { timeout: 60_000, interval: 500 },
      )
      .toBe('done');
    const today = new Date().toISOString().slice(0, 10);
    expect(report.to).toBe(`${today}T00:00:00.000Z`);
    expect(Date.parse(report.to) - Date.parse(report.from)).toBe(86_400_000);
    expect(report.workflow_id).toMatch(new RegExp(`^report:scheduled:${id}-`));

    expect((await stack.api.post(`/v1/ops/report-schedules/${id}/pause`, undefined, ops())).body.paused).toBe(true);
    expect((await handle.describe()).state.paused).toBe(true);
    expect((await stack.api.post(`/v1/ops/report-schedules/${id}/resume`, undefined, ops())).body.paused).toBe(false);
    expect((await handle.describe()).state.paused).toBe(false);
    expect((await stack.api.get('/v1/ops/report-schedules', ops())).body.data.map((s: { id: string }) => s.id)).toContain(id);

    expect((await stack.api.delete(`/v1/ops/report-schedules/${id}`, ops())).status).toBe(204);
    await expect(handle.describe()).rejects.toThrow();
    expect((await stack.api.delete(`/v1/ops/report-schedules/${id}`, ops())).status).toBe(404);
  });

  it('refuses a cron expression that is not five fields', async () => {
    const bad = await stack.api.post(
      '/v1/ops/report-schedules',
      { type: 'liabilities', period: 'day', cron: 'every day' },
      ops(),
    );
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toEqual(['cron']);
  });
});
