/**
 * Five-field cron expressions (minute hour day-of-month month day-of-week) as Temporal Schedules read them, checked
 * before they reach Temporal so a field out of range, or a schedule that would never run, is a 400 naming it, not a
 * refused schedule or a silent one.
 */
const FIELDS = [
  { name: 'minute', min: 0, max: 59, names: [] },
  { name: 'hour', min: 0, max: 23, names: [] },
  { name: 'day of month', min: 1, max: 31, names: [] },
  { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
  { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
] as const;
type Field = (typeof FIELDS)[number];

const ITEM = /^(\*|[0-9A-Za-z]{1,3}(-[0-9A-Za-z]{1,3})?)(\/[0-9]{1,2})?$/;

/** The most days each month has (February's 29th comes in leap years). */
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Null when the expression is valid; otherwise what is wrong with it, naming the field. */
export function cronProblem(expression: string): string | null {
  const parts = expression.split(' ');
  if (parts.length !== FIELDS.length) return 'must have five fields: minute hour day-of-month month day-of-week';
  const values: Array<Set<number>> = [];
  for (const [i, part] of parts.entries()) {
    const read = fieldValues(FIELDS[i]!, part);
    if (typeof read === 'string') return read;
    values.push(read);
  }
  // Temporal runs on a day that matches both day fields (not either, as classic cron does), and every date falls on
  // every weekday in some year: only a day of month no month named has never comes
  const [days, months] = [values[2]!, values[3]!];
  if (![...months].some((month) => [...days].some((day) => day <= DAYS_IN_MONTH[month - 1]!)))
    return 'never runs: no month it names has a day of month it names';
  return null;
}

/** The values a field's list stands for, or what is wrong with it. */
function fieldValues(field: Field, part: string): Set<number> | string {
  const values = new Set<number>();
  for (const item of part.split(',')) {
    const match = ITEM.exec(item);
    if (!match) return `the ${field.name} field "${part}" is not a list of values, ranges and steps`;
    const [range, step] = [match[1]!, match[3]];
    const every = step === undefined ? 1 : Number(step.slice(1));
    if (every === 0) return `the ${field.name} field has a step of 0`;
    const ends: number[] = [];
    for (const value of range === '*' ? [] : range.split('-')) {
      const named = (field.names as readonly string[]).indexOf(value.toUpperCase());
      const number = named >= 0 ? named + (field.name === 'month' ? 1 : 0) : /^[0-9]+$/.test(value) ? Number(value) : NaN;
      if (!(number >= field.min && number <= field.max))
        return `the ${field.name} field's value "${value}" is outside ${field.min}–${field.max}`;
      ends.push(number);
    }
    // `*` is the whole range; a value with a step runs to the field's end ("5/10": 5, 15, 25, …), as Temporal reads it
    const from = ends[0] ?? field.min;
    const to = ends[1] ?? (range === '*' || step !== undefined ? field.max : from);
    if (to < from) return `the ${field.name} field's range "${range}" runs backwards`;
    for (let value = from; value <= to; value += every) values.add(value);
  }
  return values;
}
