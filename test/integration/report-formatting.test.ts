/**
 * Reports format in SQL so that PostgreSQL writes CSV itself (COPY): its amounts, times and defused cells must be the
 * text the TypeScript formatting gives (domain/money.ts, Date.toISOString, platform/csv.ts), byte for byte.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatAmount } from '../../domain/money.js';
import { csvLine } from '../../platform/csv.js';
import { reportFileChunks } from '../../services/reports/file-store.js';
import { generateReport } from '../../services/reports/generate.js';
import { markSettled } from '../../services/exchange/journal.js';
import { insertReport } from '../../services/reports/store.js';
import { commitGroups } from '../../services/ledger/journal.js';
import { LedgerWriter } from '../../services/ledger/writer.js';
import { createSql } from '../../platform/db/client.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

/** A ledger_entries CSV report of the minute before `to`, stored as requested. */
function ledgerEntriesCsv(to: Date) {
  return insertReport(db.sql, {
    id: randomUUID(),
    type: 'ledger_entries',
    format: 'csv',
    period: { from: new Date(to.getTime() - 120_000).toISOString(), to: to.toISOString() },
    workflowId: `report:${randomUUID()}`,
    emailTo: null,
  });
}

async function text(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

describe('formatting in SQL', () => {
  it('format_amount writes what formatAmount writes, for every scale and sign', async () => {
    const units = await db.sql`select scale, unit::text as unit from currency_units order by scale`;
    expect(units.length).toBeGreaterThan(0);
    for (const u of units) expect(u.unit).toBe(formatAmount(1n, u.scale as number));
    const amounts = [0n, 1n, 9n, 10n, 99n, 100n, 1250n, 123456789n, 10n ** 18n, 10n ** 18n + 1n, 2n ** 255n, 10n ** 77n - 1n];
    for (let i = 0; i < 200; i++)
      amounts.push(BigInt(Math.floor(Math.random() * 1e15)) * BigInt(Math.floor(Math.random() * 1e6)));
    const cases = [0, 1, 2, 6, 8, 18, 30].flatMap((scale) =>
      amounts.flatMap((amount) => [
        { amount, scale },
        { amount: -amount, scale },
      ]),
    );
    const rows = await db.sql`
      select format_amount(c.amount::numeric, ('1e-' || c.scale)::numeric) as text
      from jsonb_to_recordset(${db.sql.json(cases.map((c) => ({ amount: c.amount.toString(), scale: c.scale })))}) as c(amount text, scale int)`;
    expect(rows.map((r) => r.text)).toEqual(cases.map((c) => formatAmount(c.amount, c.scale)));
  });

  it('iso_utc writes what Date.toISOString writes, sub-millisecond digits truncated', async () => {
    const stamps = [
      '2026-12-01 02:03:04.123789+00',
      '1999-12-31 23:59:59.999999+02',
      '2026-06-30 00:00:00+00',
      '2026-01-01 12:00:00.0005+00',
    ];
    const rows = await db.sql`select s as at, iso_utc(s::timestamptz) as text from unnest(${stamps}::timestamptz[]) s`;
    expect(rows.map((r) => r.text)).toEqual(rows.map((r) => (r.at as Date).toISOString()));
  });

  it('csv_safe defuses what platform/csv.ts defuses', async () => {
    const cells = ['=1+1', '+1', '-1.00', '-3.26800347', "-2+3+cmd|' /C calc'!A0", '-', '-.5', '-1e5', '-1.'];
    cells.push('@SUM(A1)', '\tx', '\rx', 'plain', "'quoted", 'a=b', '12');
    const rows = await db.sql`select csv_safe(c) as text from unnest(${cells}::text[]) with ordinality as u(c, n) order by n`;
    expect(rows.map((r) => csvLine([r.text as string]))).toEqual(cells.map((c) => csvLine([c])));
  });
});

describe('a ledger_entries report through COPY', () => {
  it('has the cells the row-by-row writer gave, quoting and defusing included', async () => {
    const ledger = new LedgerWriter(db.sql);
    await ledger.submit({
      transfers: [
        { kind: 'posted', key: 'fmt:1', debit: 'equity:adjustments', credit: 'user:a', currency: 'EUR', amount: 1250n },
        { kind: 'posted', key: '=cmd|"calc"!A1', debit: 'equity:adjustments', credit: 'user:b', currency: 'ETH', amount: 1n },
        {
          kind: 'posted',
          key: 'fmt:with,comma\nand line',
          debit: 'equity:adjustments',
          credit: 'user:a',
          currency: 'BTC',
          amount: 123456789012n,
        },
      ],
    });
    const report = await ledgerEntriesCsv(new Date(Date.now() + 60_000));
    const written = await generateReport(db.sql, report);
    expect(written.rows).toBe(3);

    // what the writer before COPY produced: the rows read into JS, each formatted there
    const scales = new Map((await db.sql`select code, scale from currencies`).map((r) => [r.code as string, r.scale as number]));
    const rows = await db.sql`
      select t.id, t.created_at, t.key, t.kind, t.currency, t.amount, d.name as debit, c.name as credit,
             t.metadata ->> 'type' as type, t.pending_key
      from ledger_transfers t
      join ledger_accounts d on d.id = t.debit_account_id
      join ledger_accounts c on c.id = t.credit_account_id
      where t.created_at >= ${report.period.from} and t.created_at < ${report.period.to} order by t.id`;
    const expected = [
      csvLine([
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
      ]),
      ...rows.map((r) =>
        csvLine([
          String(r.id),
          (r.createdAt as Date).toISOString(),
          r.key as string,
          r.kind as string,
          r.currency as string,
          formatAmount(r.amount as bigint, scales.get(r.currency as string)!),
          r.debit as string,
          r.credit as string,
          (r.type as string | null) ?? null,
          (r.pendingKey as string | null) ?? null,
        ]),
      ),
    ];
    // PostgreSQL ends a record with a line feed where platform/csv.ts wrote CRLF; the cells are the same
    const file = await text(reportFileChunks(db.sql, report.id));
    expect(file).toBe(expected.map((line) => line.replace(/\r\n$/, '\n')).join(''));
    expect(written.bytes).toBe(Buffer.byteLength(file));
  });
});

describe('a report at the end of its period', () => {
  it('waits for a transfer whose transaction began before the end and commits after the report started', async () => {
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    let written!: () => void;
    const staged = new Promise<void>((resolve) => (written = resolve));
    // stamped with its transaction's start, before `to`; committed only once the report is under way
    const writer = db.sql.begin(async (tx) => {
      const [outcome] = await commitGroups(tx, [
        {
          transfers: [
            { kind: 'posted', key: 'boundary:1', debit: 'equity:adjustments', credit: 'user:c', currency: 'EUR', amount: 1n },
          ],
        },
      ]);
      expect(outcome!.ok).toBe(true);
      written();
      await held;
    });
    await staged;
    const report = await ledgerEntriesCsv(new Date());
    const generated = generateReport(db.sql, report);
    setTimeout(commit, 500);
    await Promise.all([writer, generated]);
    expect(await text(reportFileChunks(db.sql, report.id))).toContain('boundary:1');
  });
});

describe('a report read by a role without pg_read_all_stats', () => {
  it('still waits for another role’s transfer begun before the end and committed after the report started', async () => {
    // the app's roles split: the report's role cannot see the writer's row in pg_stat_activity
    const role = `reports_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await db.sql.unsafe(`create role ${role} login password 'reports'`);
    await db.sql.unsafe(`grant all on all tables in schema public to ${role}`);
    await db.sql.unsafe(`grant all on all sequences in schema public to ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = 'reports';
    const reader = createSql(url.toString(), { max: 2 });
    try {
      let commit!: () => void;
      const held = new Promise<void>((resolve) => (commit = resolve));
      let written!: () => void;
      const staged = new Promise<void>((resolve) => (written = resolve));
      const writer = db.sql.begin(async (tx) => {
        await commitGroups(tx, [
          {
            transfers: [
              { kind: 'posted', key: 'boundary:2', debit: 'equity:adjustments', credit: 'user:c', currency: 'EUR', amount: 1n },
            ],
          },
        ]);
        written();
        await held;
      });
      await staged;
      const report = await ledgerEntriesCsv(new Date());
      const generated = generateReport(reader, report);
      setTimeout(commit, 500);
      await Promise.all([writer, generated]);
      expect(await text(reportFileChunks(db.sql, report.id))).toContain('boundary:2');
    } finally {
      await reader.end();
      await db.sql.unsafe(`drop owned by ${role}`);
      await db.sql.unsafe(`drop role ${role}`);
    }
  });
});

describe('a trades report at the end of its period', () => {
  it('waits for the settlement of a batch journaled before the end, whose trade is stored after the report started', async () => {
    const [journaled] = await db.sql`
      insert into exchange_journal (pair, first_seq, last_seq, commands)
      select 'XRP-USDT', coalesce(max(last_seq), 0) + 1, coalesce(max(last_seq), 0) + 1, '[{}]' from exchange_journal
      where pair = 'XRP-USDT'
      returning last_seq, created_at`;
    await db.sql`insert into exchange_markets (pair) values ('XRP-USDT') on conflict do nothing`;
    const report = await insertReport(db.sql, {
      id: randomUUID(),
      type: 'trades',
      format: 'csv',
      period: { from: new Date(Date.now() - 120_000).toISOString(), to: new Date().toISOString() },
      workflowId: `report:${randomUUID()}`,
      emailTo: null,
    });
    const generated = generateReport(db.sql, report);
    // settlement stores the batch's trade, stamped with the batch's start, in a transaction begun after the end
    await new Promise((resolve) => setTimeout(resolve, 500));
    const user = randomUUID();
    await db.sql.begin(async (tx) => {
      await tx`set local session_replication_role = replica`; // the trade's orders and users are not the point
      await tx`
        insert into trades (pair, id, seq, price, amount, quote_amount, taker_side, buy_order_id, sell_order_id, buyer_id,
                            seller_id, buyer_fee, seller_fee, created_at)
        values ('XRP-USDT', 987654, ${journaled!.lastSeq}, 2500000, 1000000, 2500000, 'buy', 1, 2, ${user}, ${user}, 0, 0,
                ${journaled!.createdAt})`;
      await markSettled(tx, 'XRP-USDT', Number(journaled!.lastSeq));
    });
    await generated;
    expect(await text(reportFileChunks(db.sql, report.id))).toContain('987654');
  });
});
