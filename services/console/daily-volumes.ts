/**
 * Volume per UTC day, with the days that are over read from their feature once and kept in Postgres
 * (daily-volumes-store.ts), and in each process's memory once read. A deposit counts on the day it was credited, a
 * withdrawal on the day it succeeded, each stamped with the time it happened and never changed after, so a closed day's figures are final; only the open days
 * are read from the features' tables on every render, through their time indexes. A day closes a few minutes after
 * midnight, so a transaction stamped just before midnight and committed just after still counts. (Rows written later
 * with a past date, an import or a test seeding history, are not in a day already kept.)
 */
import type { Sql } from '../../platform/db/client.js';
import { keepVolumes, keptVolumes, type DayVolume } from './daily-volumes-store.js';

export type { DayVolume };

export type VolumeReader = (range: { from: Date; to: Date }) => Promise<DayVolume[]>;

const DAY_MS = 86_400_000;
/** Days older than this leave memory (the dashboard shows at most 90). */
const KEPT_IN_MEMORY_DAYS = 400;
/** How long after midnight a day is still read live: longer than any transaction stamping a row stays open. */
export const CLOSE_AFTER_MS = 5 * 60_000;
const startOf = (day: string) => new Date(`${day}T00:00:00Z`);
const endOf = (day: string) => new Date(startOf(day).getTime() + DAY_MS);

export class DailyVolumes {
  /** Closed days already read in this process: final, so kept for the process's life (a few hundred small rows). */
  private readonly closed = new Map<string, DayVolume[]>();

  constructor(
    private readonly sql: Sql,
    /** The series' name where its days are kept: `deposits`, `withdrawals`… */
    private readonly series: string,
    private readonly read: VolumeReader,
  ) {}

  /**
   * Volumes of these days (ascending `YYYY-MM-DD`): closed days from this process's memory, else from what Postgres
   * keeps, else read from the feature once and kept; open days read live.
   */
  async of(days: string[], now = new Date()): Promise<DayVolume[]> {
    const firstOpen = new Date(now.getTime() - CLOSE_AFTER_MS).toISOString().slice(0, 10);
    const unknown = days.filter((day) => day < firstOpen && !this.closed.has(day));
    const open = days.filter((day) => day >= firstOpen);
    const [kept, live] = await Promise.all([
      unknown.length > 0 ? keptVolumes(this.sql, this.series, unknown) : { kept: new Set<string>(), rows: [] },
      open.length > 0 ? this.read({ from: startOf(open[0]!), to: endOf(open[open.length - 1]!) }) : [],
    ]);
    const missing = unknown.filter((day) => !kept.kept.has(day));
    let fresh: DayVolume[] = [];
    if (missing.length > 0) {
      // the missing days in one range read; days inside it that are kept already keep what they have
      const wanted = new Set(missing);
      fresh = (await this.read({ from: startOf(missing[0]!), to: endOf(missing[missing.length - 1]!) })).filter((row) =>
        wanted.has(row.day),
      );
      await keepVolumes(this.sql, this.series, missing, fresh);
    }
    for (const day of unknown) this.closed.set(day, []);
    for (const row of [...kept.rows, ...fresh]) this.closed.get(row.day)!.push(row);
    this.forgetBefore(new Date(now.getTime() - KEPT_IN_MEMORY_DAYS * DAY_MS).toISOString().slice(0, 10));
    return [...days.flatMap((day) => this.closed.get(day) ?? []), ...live];
  }

  /** Old days leave memory (Postgres still keeps them). */
  private forgetBefore(day: string) {
    for (const key of this.closed.keys()) if (key < day) this.closed.delete(key);
  }
}
