/**
 * Writes a stored report's file into Postgres and records it done. CSV is PostgreSQL's COPY output streamed straight
 * into the file's chunks; XLSX is exceljs's streaming writer fed by a cursor over the same rows. Memory holds a chunk
 * or a batch, whatever the report's size.
 */
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import ExcelJS from 'exceljs';
import type { ReportPeriod, ReportType } from '../../domain/reports/reports.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import { pairsUnsettledBefore } from '../exchange/client.js';
import { clearReportFile, ReportFileWriter } from './file-store.js';
import { copyCsv, reportSources, type ReportSource } from './sources.js';
import { markReportDone, type Report } from './store.js';

/** Rows per cursor fetch (XLSX) and between two progress calls: large enough that round trips do not dominate. */
export const REPORT_BATCH_ROWS = 10_000;

export interface WrittenReport {
  rows: number;
  bytes: number;
}

/** Sheet names may not exceed 31 characters in XLSX. */
const sheetName = (type: ReportType) => type.slice(0, 31);

/** How long a report waits at most for the writes begun before its period ended (awaitPeriodWrites). */
export const PERIOD_WRITES_WAIT_MS = 30_000;

/**
 * Waits until no transaction that began before the period's end and wrote is still open. A row is stamped with its
 * transaction's start (`now()`), so one that began before `to` and commits after the report's snapshot would be in no
 * report: not this one, which does not see it, nor the next period's, which begins at `to`. A scheduled report starts
 * right at that boundary, while the last writes of the period commit. The writers are the transaction ids in progress
 * now (`pg_current_snapshot`, which every role reads): `pg_stat_activity` shows another role's transactions only with
 * `pg_read_all_stats`, so with the roles split it saw none and the report did not wait. A writer it does show as begun
 * at or after `to` is not waited for; one it hides is, to be safe. Reports' own transactions write nothing, so one
 * running long does not hold another up. A trade is stamped with its journal batch's start and stored later by
 * settlement, whose transaction may begin after `to`: a trades report also waits for the batches begun before `to` to
 * be settled. Past the bound it throws: the activity's retries, then the report's failure and its alert, say so
 * rather than a file short of rows.
 */
async function awaitPeriodWrites(sql: Sql, period: ReportPeriod, source: ReportSource): Promise<void> {
  const deadline = Date.now() + PERIOD_WRITES_WAIT_MS;
  const [writers] = await sql`
    select coalesce(array_agg(x::text), '{}') as xids from pg_snapshot_xip(pg_current_snapshot()) x
    where not exists (
      select 1 from pg_stat_activity a where a.backend_xid = x::xid and a.xact_start >= ${period.to}::timestamptz)`;
  const xids = writers!.xids as string[];
  for (;;) {
    const [row] = await sql`
      select count(*)::int as open from unnest(${xids}::xid8[]) x where pg_xact_status(x) = 'in progress'`;
    if (row!.open === 0) break;
    if (Date.now() >= deadline)
      throw new Error(`${row!.open} transactions begun before ${period.to} still open after ${PERIOD_WRITES_WAIT_MS} ms`);
    await sleep(100);
  }
  if (!source.readsTrades) return;
  // a trade carries its journal batch's start, and is stored by settlement in a transaction of its own, later
  for (;;) {
    const unsettled = await pairsUnsettledBefore(sql, period.to);
    if (unsettled === 0) return;
    if (Date.now() >= deadline)
      throw new Error(
        `${unsettled} pairs' trades journaled before ${period.to} still unsettled after ${PERIOD_WRITES_WAIT_MS} ms`,
      );
    await sleep(100);
  }
}

/** Runs `read` in one read-only snapshot with the period in the settings the report sources read. */
function withReportPeriod<T>(sql: Sql, period: ReportPeriod, read: (tx: Tx) => Promise<T>): Promise<T> {
  return sql.begin('isolation level repeatable read read only', async (tx) => {
    await tx`
      select set_config('sluice.report_from', ${period.from}, true), set_config('sluice.report_to', ${period.to}, true),
             set_config('datestyle', 'ISO', true)`;
    return read(tx);
  }) as Promise<T>;
}

/**
 * Counts CSV records as the bytes go by: a line feed outside quotes ends one (COPY quotes any cell holding a line
 * break, and doubles quotes inside, so toggling on every quote tracks where we are).
 */
function csvRecordCounter() {
  let quoted = false;
  return {
    records: 0,
    count(chunk: Buffer): void {
      let at = 0;
      for (;;) {
        const quote = chunk.indexOf(0x22, at);
        const newline = quoted ? -1 : chunk.indexOf(0x0a, at);
        if (newline >= 0 && (quote < 0 || newline < quote)) {
          this.records++;
          at = newline + 1;
        } else if (quote >= 0) {
          quoted = !quoted;
          at = quote + 1;
        } else return;
      }
    },
  };
}

async function writeCsv(tx: Tx, source: ReportSource, file: ReportFileWriter, progress: (rows: number) => void) {
  const counter = csvRecordCounter();
  let reported = 0;
  await pipeline(
    await tx.unsafe(copyCsv(source)).readable(),
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        counter.count(chunk);
        if (counter.records - reported >= REPORT_BATCH_ROWS) progress((reported = counter.records) - 1);
        yield chunk;
      }
    },
    file,
  );
  return counter.records - 1; // the header
}

async function writeXlsx(
  tx: Tx,
  type: ReportType,
  source: ReportSource,
  file: ReportFileWriter,
  progress: (rows: number) => void,
) {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: file, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet(sheetName(type));
  sheet.addRow(source.columns).commit();
  let rows = 0;
  for await (const batch of tx.unsafe(source.select).cursor(REPORT_BATCH_ROWS)) {
    for (const row of batch) sheet.addRow(Object.values(row)).commit();
    rows += batch.length;
    progress(rows);
  }
  sheet.commit();
  await workbook.commit(); // ends the file, and waits for its last chunk to be stored
  return rows;
}

export async function generateReport(
  sql: Sql,
  report: Report,
  progress: (rowsSoFar: number) => void = () => {},
): Promise<WrittenReport> {
  const source = reportSources[report.type];
  await clearReportFile(sql, report.id);
  const file = new ReportFileWriter(sql, report.id);
  await awaitPeriodWrites(sql, report.period, source);
  const rows = await withReportPeriod(sql, report.period, (tx) =>
    report.format === 'csv' ? writeCsv(tx, source, file, progress) : writeXlsx(tx, report.type, source, file, progress),
  );
  const written = { rows, bytes: file.bytes };
  await markReportDone(sql, report.id, written);
  return written;
}
