/**
 * An instant a client sends (ISO 8601 with an offset) as a Date PostgreSQL can take. The document allows any year from
 * 0000 to 9999 with any offset, but PostgreSQL refuses year 0, a Date past 9999 in UTC (`9999-12-31T23:00:00-12:00`)
 * is written as `+010000-…`, which it cannot parse (both a 500 for valid input), and the driver reads a year below 100
 * back as 19xx or 20xx. No row is older than the Unix epoch or later than 9999, so a filter or period is held at those
 * bounds, which select the same rows.
 */
const EARLIEST = 0;
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

export function storableInstant(iso: string): Date {
  return new Date(Math.min(Math.max(Date.parse(iso), EARLIEST), LATEST));
}
