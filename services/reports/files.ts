/**
 * Writes a report's rows to its file as they arrive, in CSV or XLSX (exceljs's streaming writer, which commits each
 * row as it goes): memory holds one batch, whatever the file's size.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { dirname } from 'node:path';
import ExcelJS from 'exceljs';
import type { ReportFormat } from '../../domain/reports/reports.js';
import { csvLine } from '../../platform/csv.js';
import type { ReportCell } from './sources.js';

export interface WrittenReport {
  rows: number;
  bytes: number;
}

interface RowSink {
  write(rows: ReportCell[][]): Promise<void>;
  close(): Promise<void>;
}

async function csvSink(path: string, columns: string[]): Promise<RowSink> {
  const out: WriteStream = createWriteStream(path);
  await once(out, 'open');
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, 'drain');
  };
  await write(csvLine(columns));
  return {
    write: (rows) => write(rows.map(csvLine).join('')),
    async close() {
      out.end();
      await once(out, 'finish');
    },
  };
}

function xlsxSink(path: string, sheetName: string, columns: string[]): RowSink {
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: path, useStyles: false, useSharedStrings: false });
  const sheet = workbook.addWorksheet(sheetName);
  sheet.addRow(columns).commit();
  return {
    async write(rows) {
      for (const row of rows) sheet.addRow(row).commit();
    },
    async close() {
      sheet.commit();
      await workbook.commit();
    },
  };
}

/**
 * Asks for the next batch as soon as the current one is handed out, so Postgres produces it while the caller writes
 * this one (a cursor alone fetches only when asked: the database and the writer would take turns).
 */
async function* readAhead<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  const iterator = source[Symbol.asyncIterator]();
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      next.catch(() => {}); // awaited on the next turn; a writer that fails first must not leave it unhandled
      yield result.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/**
 * Writes the file under a temporary name and renames it when complete, so a crash never leaves a file that looks
 * finished; `afterBatch` runs between batches (the activity heartbeats there).
 */
export async function writeReportFile(
  path: string,
  format: ReportFormat,
  sheetName: string,
  columns: string[],
  batches: AsyncIterable<ReportCell[][]>,
  afterBatch: (rowsSoFar: number) => void = () => {},
): Promise<WrittenReport> {
  await mkdir(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  const sink = format === 'csv' ? await csvSink(partial, columns) : xlsxSink(partial, sheetName, columns);
  let rows = 0;
  try {
    for await (const batch of readAhead(batches)) {
      await sink.write(batch);
      rows += batch.length;
      afterBatch(rows);
    }
    await sink.close();
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
  await rename(partial, path);
  return { rows, bytes: (await stat(path)).size };
}
