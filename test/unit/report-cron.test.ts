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
  });
});
