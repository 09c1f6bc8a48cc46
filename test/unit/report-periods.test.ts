import { describe, expect, it } from 'vitest';
import { lastWholePeriod, periodProblem, reportFileName } from '../../domain/reports/reports.js';

describe('the period a scheduled report covers', () => {
  const at = (iso: string) => new Date(iso);

  it('is the whole UTC day before the run', () => {
    expect(lastWholePeriod(at('2026-12-01T06:00:00Z'), 'day')).toEqual({
      from: '2026-11-30T00:00:00.000Z',
      to: '2026-12-01T00:00:00.000Z',
    });
    expect(lastWholePeriod(at('2026-03-01T00:00:00Z'), 'day').from).toBe('2026-02-28T00:00:00.000Z');
  });

  it('is the Monday-to-Monday week before the run, whatever the weekday', () => {
    // 2026-12-02 is a Wednesday; 2026-11-30 a Monday
    expect(lastWholePeriod(at('2026-12-02T10:00:00Z'), 'week')).toEqual({
      from: '2026-11-23T00:00:00.000Z',
      to: '2026-11-30T00:00:00.000Z',
    });
    expect(lastWholePeriod(at('2026-11-30T00:00:00Z'), 'week').to).toBe('2026-11-30T00:00:00.000Z');
    expect(lastWholePeriod(at('2026-11-29T23:59:59Z'), 'week').to).toBe('2026-11-23T00:00:00.000Z');
  });

  it('is the calendar month before the run, across a year end', () => {
    expect(lastWholePeriod(at('2026-01-15T00:00:00Z'), 'month')).toEqual({
      from: '2025-12-01T00:00:00.000Z',
      to: '2026-01-01T00:00:00.000Z',
    });
  });
});

describe('requested periods', () => {
  const now = new Date('2026-12-04T15:00:00Z');

  it('must run forwards between two timestamps', () => {
    expect(periodProblem({ from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }, now)).toBeNull();
    expect(periodProblem({ from: '2026-12-01T00:00:00Z', to: '2026-12-01T00:00:00Z' }, now)).toBe('to must be after from');
    expect(periodProblem({ from: 'yesterday', to: '2026-12-01T00:00:00Z' }, now)).toBe('from and to must be ISO timestamps');
  });

  it('must be over: a to in the future would make a partial report', () => {
    expect(periodProblem({ from: '2026-12-04T00:00:00Z', to: '2026-12-04T15:00:00Z' }, now)).toBeNull();
    expect(periodProblem({ from: '2026-12-04T00:00:00Z', to: '2026-12-04T15:00:00.001Z' }, now)).toBe(
      'to must not be in the future: the period is not over, so the report would be partial',
    );
    expect(periodProblem({ from: '2026-12-01T00:00:00Z', to: '2027-01-01T00:00:00Z' }, now)).toMatch(/^to must not be/);
    // a scheduled run's period is never refused
    for (const unit of ['day', 'week', 'month'] as const) expect(periodProblem(lastWholePeriod(now, unit), now)).toBeNull();
  });

  it('names the file after the type and the days it covers', () => {
    expect(reportFileName('trades', 'xlsx', { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' })).toBe(
      'trades-2026-11-01-2026-12-01.xlsx',
    );
  });
});
