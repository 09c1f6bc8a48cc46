/** The dashboard's volume per day: closed days are read once, today on every render. */
import { describe, expect, it } from 'vitest';
import { DailyVolumes, type DayVolume } from '../../services/console/daily-volumes.js';

describe('DailyVolumes', () => {
  it('reads the closed days it has not seen in one range, and today every time', async () => {
    const reads: Array<{ from: string; to: string }> = [];
    const stored: DayVolume[] = [
      { day: '2026-03-01', currency: 'ETH', amount: 5n, count: 1 },
      { day: '2026-03-03', currency: 'ETH', amount: 7n, count: 2 },
    ];
    const volumes = new DailyVolumes(async ({ from, to }) => {
      reads.push({ from: from.toISOString().slice(0, 10), to: to.toISOString().slice(0, 10) });
      return stored.filter((v) => v.day >= from.toISOString().slice(0, 10) && v.day < to.toISOString().slice(0, 10));
    });
    const now = new Date('2026-03-03T12:00:00Z');
    const days = ['2026-03-01', '2026-03-02', '2026-03-03'];
    expect(await volumes.of(days, now)).toEqual(stored);
    expect(reads).toEqual([
      { from: '2026-03-01', to: '2026-03-03' },
      { from: '2026-03-03', to: '2026-03-04' },
    ]);
    stored.push({ day: '2026-03-03', currency: 'USDT', amount: 1n, count: 1 });
    reads.length = 0;
    expect(await volumes.of(days, now)).toHaveLength(3);
    expect(reads).toEqual([{ from: '2026-03-03', to: '2026-03-04' }]);
    // a wider range reads only the days before the ones it knows
    reads.length = 0;
    expect(await volumes.of(['2026-02-28', ...days], now)).toHaveLength(3);
    expect(reads[0]).toEqual({ from: '2026-02-28', to: '2026-03-03' });
  });
});
