/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) as Temporal Schedules read them, checked
 * before they reach Temporal so a field out of range is a 400 naming it, not a refused schedule.
 */
const FIELDS = [
  { name: 'minute', min: 0, max: 59, names: [] },
  { name: 'hour', min: 0, max: 23, names: [] },
  { name: 'day of month', min: 1, max: 31, names: [] },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;

const ITEM = /^(\*|[0-9A-Za-z]{1,3}(-[0-9A-Za-z]{1,3})?)(\/[0-9]{1,2})?$/;

/** Null when the expression is valid; otherwise what is wrong with it, naming the field. */
export function cronProblem(expression: string): string | null {
  const parts = expression.split(' ');
  if (parts.length !== FIELDS.length) return 'must have five fields: minute hour day-of-month month day-of-week';
  for (const [i, part] of parts.entries()) {
    const field = FIELDS[i]!;
    for (const item of part.split(',')) {
      const match = ITEM.exec(item);
      if (!match) return `the ${field.name} field "${part}" is not a list of values, ranges and steps`;
      const [range, step] = [match[1]!, match[3]];
      if (step !== undefined && Number(step.slice(1)) === 0) return `the ${field.name} field has a step of 0`;
      if (range === '*') continue;
      for (const value of range.split('-')) {
        const named = (field.names as readonly string[]).indexOf(value.toUpperCase());
        const number = named >= 0 ? named + (field.name === 'month' ? 1 : 0) : /^[0-9]+$/.test(value) ? Number(value) : NaN;
        if (!(number >= field.min && number <= field.max))
          return `the ${field.name} field's value "${value}" is outside ${field.min}–${field.max}`;
      }
    }
  }
  return null;
}
