/**
 * Report writing from a Postgres cursor: N ledger entries (default 1,000,000, seeded with generate_series) to CSV,
 * and the newest of them (default 100,000) to XLSX, on a fresh embedded PostgreSQL. Prints seconds, rows per second, and the process's peak RSS and
 * heap while writing against their values before, so a report that held the period in memory would show.
 * Usage: node --import tsx bench/reports.ts [--entries 1000000] [--xlsx-entries 100000]
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ReportFormat } from '../domain/reports/reports.js';
import type { Sql } from '../platform/db/client.js';
import { generateReport } from '../services/reports/generate.js';
import { insertReport } from '../services/reports/store.js';
import { withBenchDatabase } from './support/bench-database.js';

const { values } = parseArgs({
  options: { entries: { type: 'string', default: '1000000' }, 'xlsx-entries': { type: 'string', default: '100000' } },
});
const ENTRIES = Number(values.entries);
const XLSX_ENTRIES = Number(values['xlsx-entries']);
const MB = 1024 * 1024;

/** Ledger entries between 1,000 user accounts and equity, spread over the last day, inserted by the server itself. */
async function seed(sql: Sql, entries: number): Promise<void> {
  await sql`
    insert into ledger_accounts (name, currency, no_overdraft)
    select 'user:bench-' || i, 'USD', false from generate_series(1, 1000) i
    union all select 'equity:adjustments', 'USD', false`;
  await sql`
    with accounts as (select array_agg(id order by id) as ids from ledger_accounts where currency = 'USD')
    insert into ledger_transfers (key, kind, debit_account_id, credit_account_id, currency, amount, metadata, created_at)
    select 'bench:' || i, 'posted', ids[1001], ids[1 + i % 1000], 'USD', 1 + (i::bigint * 7919) % 1000000,
           '{"type":"adjustment"}'::jsonb, now() - interval '1 day' + (i * interval '1 day') / ${entries}
    from generate_series(1, ${entries}) i, accounts`;
  await sql`analyze ledger_transfers`;
}

/** Writes the report of the newest `entries` entries (ids are in created_at order). */
async function measure(sql: Sql, format: ReportFormat, entries: number) {
  const [first] = await sql`select created_at from ledger_transfers order by id desc offset ${entries - 1} limit 1`;
  const report = await insertReport(sql, {
    id: randomUUID(),
    type: 'ledger_entries',
    format,
    period: { from: (first!.createdAt as Date).toISOString(), to: new Date(Date.now() + 60_000).toISOString() },
    workflowId: `bench:${format}`,
    emailTo: null,
  });
  global.gc?.();
  const before = process.memoryUsage();
  let peakRss = before.rss;
  let peakHeap = before.heapUsed;
  const sample = setInterval(() => {
    const now = process.memoryUsage();
    peakRss = Math.max(peakRss, now.rss);
    peakHeap = Math.max(peakHeap, now.heapUsed);
  }, 20);
  const started = process.hrtime.bigint();
  const written = await generateReport(sql, report);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(sample);
  if (written.rows !== entries) throw new Error(`expected ${entries} rows, wrote ${written.rows}`);
  console.log(
    `${format.padEnd(4)} ${String(written.rows).padStart(9)} rows  ${seconds.toFixed(2).padStart(6)} s  ` +
      `${Math.round(written.rows / seconds)
        .toString()
        .padStart(7)} rows/s  ${(written.bytes / MB).toFixed(1)} MB file  ` +
      `RSS ${(before.rss / MB).toFixed(0)} → peak ${(peakRss / MB).toFixed(0)} MB  ` +
      `heap ${(before.heapUsed / MB).toFixed(0)} → peak ${(peakHeap / MB).toFixed(0)} MB`,
  );
}

await withBenchDatabase({ maxConnections: 4 }, async ({ sql }) => {
  const seeding = Date.now();
  await seed(sql, ENTRIES);
  console.log(`seeded ${ENTRIES} ledger entries in ${((Date.now() - seeding) / 1000).toFixed(1)} s`);
  await measure(sql, 'csv', ENTRIES);
  if (XLSX_ENTRIES > 0) await measure(sql, 'xlsx', XLSX_ENTRIES);
  await sql.end();
});
