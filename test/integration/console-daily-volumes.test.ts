/**
 * The dashboard's volume per day on a real database: closed days are read from their feature once and kept in
 * Postgres (and in the process's memory), so another process (or a restart) reads none of them from the feature
 * again; open days, today and the minutes after midnight, are read on every render.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DailyVolumes, type DayVolume } from '../../services/console/daily-volumes.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(() => db?.drop());

const day = (d: Date) => d.toISOString().slice(0, 10);
const sorted = (rows: DayVolume[]) => [...rows].sort((a, b) => (a.day + a.currency).localeCompare(b.day + b.currency));

/** A feature's table as a reader: the rows of the range asked, with every range it was asked for. */
function feature(stored: DayVolume[]) {
  const reads: Array<{ from: string; to: string }> = [];
  const read = async ({ from, to }: { from: Date; to: Date }) => {
    reads.push({ from: day(from), to: day(to) });
    return stored.filter((v) => v.day >= day(from) && v.day < day(to));
  };
  return { reads, read };
}

describe('DailyVolumes', () => {
  it('reads the closed days it misses in one range and keeps them; open days every time', async () => {
    const stored: DayVolume[] = [
      { day: '2026-03-01', currency: 'ETH', amount: 5n, count: 1 },
      { day: '2026-03-03', currency: 'ETH', amount: 7n, count: 2 },
      { day: '2026-03-03', currency: 'USDT', amount: 10n ** 30n, count: 1 },
    ];
    const source = feature(stored);
    const now = new Date('2026-03-03T12:00:00Z');
    const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
    const first = new DailyVolumes(db.sql, 'deposits', source.read);
    expect(sorted(await first.of(days, now))).toEqual(sorted(stored));
    expect(source.reads).toEqual([
      { from: '2026-03-03', to: '2026-03-04' },
      { from: '2026-03-01', to: '2026-03-03' },
    ]);

    // this process again: the closed days from its memory
    source.reads.length = 0;
    expect(await first.of(days, now)).toHaveLength(3);
    expect(source.reads).toEqual([{ from: '2026-03-03', to: '2026-03-04' }]);

    // another API process, or this one restarted: the closed days come from Postgres, today from the feature
    source.reads.length = 0;
    stored.push({ day: '2026-03-03', currency: 'XRP', amount: 1n, count: 1 });
    const second = new DailyVolumes(db.sql, 'deposits', source.read);
    expect(await second.of(days, now)).toHaveLength(4);
    expect(source.reads).toEqual([{ from: '2026-03-03', to: '2026-03-04' }]);
    // another series keeps its own days
    const other = feature([]);
    expect(await new DailyVolumes(db.sql, 'withdrawals', other.read).of(days, now)).toEqual([]);
    expect(other.reads).toHaveLength(2);

    // a wider range reads only the days it misses; a kept day inside that read keeps what it has
    source.reads.length = 0;
    stored.push({ day: '2026-03-01', currency: 'USDT', amount: 3n, count: 1 }); // written late, with a past date
    expect(await second.of(['2026-02-28', ...days], now)).toHaveLength(4);
    expect(source.reads).toContainEqual({ from: '2026-02-28', to: '2026-03-01' });
  });

  it('reads yesterday live for a few minutes after midnight, then keeps it', async () => {
    const source = feature([{ day: '2026-04-01', currency: 'ETH', amount: 2n, count: 1 }]);
    const volumes = new DailyVolumes(db.sql, 'trades', source.read);
    const days = ['2026-04-01', '2026-04-02'];
    await volumes.of(days, new Date('2026-04-02T00:01:00Z'));
    expect(source.reads).toEqual([{ from: '2026-04-01', to: '2026-04-03' }]);
    source.reads.length = 0;
    expect(await volumes.of(days, new Date('2026-04-02T00:06:00Z'))).toHaveLength(1);
    expect(source.reads).toEqual([
      { from: '2026-04-02', to: '2026-04-03' },
      { from: '2026-04-01', to: '2026-04-02' },
    ]);
    source.reads.length = 0;
    await volumes.of(days, new Date('2026-04-02T00:07:00Z'));
    expect(source.reads).toEqual([{ from: '2026-04-02', to: '2026-04-03' }]);
  });
});
