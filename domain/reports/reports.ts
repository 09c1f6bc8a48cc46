/**
 * What operators can ask a report for: its type, its file format and its period. A scheduled report covers the last
 * whole period (day, week, month, UTC) before it runs. Workflow-safe: the schedule's runs compute their period here.
 */

export const REPORT_TYPES = ['ledger_entries', 'currency_summary', 'liabilities', 'trades', 'trade_volume'] as const;
export type ReportType = (typeof REPORT_TYPES)[number];

export const REPORT_FORMATS = ['csv', 'xlsx'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORT_PERIODS = ['day', 'week', 'month'] as const;
export type ReportPeriodUnit = (typeof REPORT_PERIODS)[number];

export type ReportStatus = 'running' | 'done' | 'failed';

/** Half-open: `from` ≤ created_at < `to`, ISO timestamps. A point-in-time report (liabilities) is as of `to`. */
export interface ReportPeriod {
  from: string;
  to: string;
}

export const REPORT_DESCRIPTIONS: Record<ReportType, string> = {
  ledger_entries: 'every ledger transfer (journal entry) of the period',
  currency_summary: 'deposits, withdrawals, fees earned and network fees paid per currency in the period',
  liabilities: 'per currency at the end of the period: user balances and payments held on invoices against custody holdings',
  trades: 'every spot trade of the period',
  trade_volume: 'trades, base and quote volume, and fees per pair in the period',
};

/** The whole `unit` (UTC) that ended at or before `now`: the day before today, last Monday-to-Monday week, last month. */
export function lastWholePeriod(now: Date, unit: ReportPeriodUnit): ReportPeriod {
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let from: number;
  let to: number;
  if (unit === 'day') {
    to = day;
    from = day - 86_400_000;
  } else if (unit === 'week') {
    const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
    to = day - sinceMonday * 86_400_000;
    from = to - 7 * 86_400_000;
  } else {
    to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
    from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  }
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/**
 * Why a requested period cannot be reported at `now`, or null when it can. One not over yet is refused, not cut at
 * `now`: its file would be named and announced for the whole period and hold only part of it (a scheduled run's
 * period, `lastWholePeriod`, always ended before the run).
 */
export function periodProblem(period: ReportPeriod, now: Date): string | null {
  const from = Date.parse(period.from);
  const to = Date.parse(period.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return 'from and to must be ISO timestamps';
  if (to <= from) return 'to must be after from';
  if (to > now.getTime()) return 'to must not be in the future: the period is not over, so the report would be partial';
  return null;
}

/** The file's name as the download offers it: `ledger_entries-2026-11-01-2026-12-01.csv`. */
export function reportFileName(type: ReportType, format: ReportFormat, period: ReportPeriod): string {
  const day = (iso: string) => iso.slice(0, 10);
  return `${type}-${day(period.from)}-${day(period.to)}.${format}`;
}

export const REPORT_CONTENT_TYPES: Record<ReportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};
