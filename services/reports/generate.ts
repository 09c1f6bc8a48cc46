/** Writes a stored report's file into the reports directory and records it done. */
import { join } from 'node:path';
import { reportFileName, type ReportType } from '../../domain/reports/reports.js';
import type { Sql } from '../../platform/db/client.js';
import { writeReportFile, type WrittenReport } from './files.js';
import { reportSources } from './sources.js';
import { markReportDone, type Report } from './store.js';

/** Rows per cursor fetch: large enough that round trips do not dominate, small enough to keep memory flat. */
export const REPORT_BATCH_ROWS = 10_000;

/** Sheet names may not exceed 31 characters in XLSX. */
const sheetName = (type: ReportType) => type.slice(0, 31);

export async function generateReport(
  sql: Sql,
  report: Report,
  directory: string,
  afterBatch?: (rowsSoFar: number) => void,
): Promise<WrittenReport & { path: string }> {
  const source = reportSources[report.type];
  const path = join(directory, `${report.id}-${reportFileName(report.type, report.format, report.period)}`);
  const written = await writeReportFile(
    path,
    report.format,
    sheetName(report.type),
    source.columns,
    source.batches(sql, report.period, REPORT_BATCH_ROWS),
    afterBatch,
  );
  await markReportDone(sql, report.id, { path, ...written });
  return { path, ...written };
}
