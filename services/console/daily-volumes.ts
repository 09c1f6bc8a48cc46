/**
 * Volume per UTC day, with the days that are over read once. A deposit counts on the day it was credited and a
 * withdrawal on the day it succeeded, both stamped with the time it happened and never changed after, so a closed
 * day's figures are final: they are kept in memory, and only today is read on every render. (Rows written with a
 * past date — an import, a test seeding history — show after a restart.)
 */
export interface DayVolume {
  day: string;
  currency: string;
  amount: bigint;
  count: number;
}

export type VolumeReader = (range: { from: Date; to: Date }) => Promise<DayVolume[]>;

const DAY_MS = 86_400_000;
const startOf = (day: string) => new Date(`${day}T00:00:00Z`);
/** Days older than this are forgotten (the dashboard shows at most 90). */
const KEPT_DAYS = 400;

export class DailyVolumes {
  private readonly closed = new Map<string, DayVolume[]>();

  constructor(private readonly read: VolumeReader) {}

  /** Volumes of these days (ascending `YYYY-MM-DD`), today's read live. */
  async of(days: string[], now = new Date()): Promise<DayVolume[]> {
    const today = now.toISOString().slice(0, 10);
    const missing = days.filter((day) => day < today && !this.closed.has(day));
    const [fresh, live] = await Promise.all([
      missing.length > 0 ? this.read({ from: startOf(missing[0]!), to: startOf(today) }) : Promise.resolve([]),
      days.includes(today) ? this.read({ from: startOf(today), to: new Date(startOf(today).getTime() + DAY_MS) }) : [],
    ]);
    // the range read may span days already kept: only the missing ones take its rows
    const added = new Map(missing.map((day) => [day, [] as DayVolume[]]));
    for (const row of fresh) added.get(row.day)?.push(row);
    for (const [day, rows] of added) this.closed.set(day, rows);
    this.forgetBefore(new Date(startOf(today).getTime() - KEPT_DAYS * DAY_MS).toISOString().slice(0, 10));
    return [...days.filter((day) => day < today).flatMap((day) => this.closed.get(day) ?? []), ...live];
  }

  private forgetBefore(day: string) {
    for (const key of this.closed.keys()) if (key < day) this.closed.delete(key);
  }
}
