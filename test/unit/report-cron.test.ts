import { describe, expect, it } from 'vitest';
import { cronProblem } from '../../domain/reports/cron.js';

describe('cronProblem (report schedules)', () => {
  it('accepts values, ranges, lists, steps and names', () => {
    for (const cron of ['0 6 * * *', '*/15 0-23/2 1,15 JAN-jun MON-FRI', '59 23 31 12 7', '0 0 * * sun'])
      expect(cronProblem(cron)).toBeNull();
  });

  it('names the field that is out of range or malformed', () => {
    expect(cronProblem('0 24 * * *')).toMatch(/hour field's value "24"/);
    expect(cronProblem('0 000000000000000000000000 * * *')).toMatch(/hour field/);
    expect(cronProblem('0 6 0 * *')).toMatch(/day of month/);
    expect(cronProblem('0 6 * FOO *')).toMatch(/month field's value "FOO"/);
    expect(cronProblem('*/0 6 * * *')).toMatch(/step of 0/);
    expect(cronProblem('0 6 * *')).toMatch(/five fields/);
    // Temporal refuses a range that runs backwards
    expect(cronProblem('0 0 20-10 * *')).toMatch(/day of month field's range "20-10" runs backwards/);
    expect(cronProblem('0 0 * NOV-FEB *')).toMatch(/month field's range "NOV-FEB" runs backwards/);
  });

  it('refuses a schedule that never runs: a day of month no month it names has', () => {
    for (const cron of ['0 0 31 2 *', '0 0 30 FEB *', '0 0 31 4,6,9,11 *', '0 0 30-31 2 MON', '0 0 31 4/5 *'])
      expect(cronProblem(cron), cron).toMatch(/never runs/);
  });

  it('accepts one that runs rarely: February 29th, Friday the 13th, the 31st of every other month', () => {
    for (const cron of ['0 0 29 2 *', '0 0 13 * FRI', '0 0 31 1/2 *', '0 0 25/3 * *', '0 0 30,31 2,3 *'])
      expect(cronProblem(cron), cron).toBeNull();
  });
});
