/** Opaque cursors for keyset pagination: the client passes next_cursor back as `cursor`. */
import { invalidField } from './problem.js';

export function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

/**
 * What a list's positions look like. A cursor is the client's input like any other: its position is checked against
 * the list's shape before it reaches SQL, where a bigint column given "abc" would fail the request with a 500.
 */
export const Positions = {
  /** a bigint id (at most 18 digits: below 2^63) */
  serial: /^[1-9]\d{0,17}$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
} as const;

export const notACursor = () => invalidField('cursor', 'is not a cursor this API returned');

/**
 * Whether a position's ISO time (UTC, to the microsecond) is a real one. Lists pass it to SQL as text, to keep its
 * microseconds, so a Feb 30 or an hour 25 of a made-up cursor must stop here: SQL would refuse it with a 500.
 */
export function isPositionTime(at: string): boolean {
  return !Number.isNaN(Date.parse(at)) && new Date(at).toISOString().slice(0, 19) === at.slice(0, 19);
}

/** The position a cursor carries, if it has the list's shape (`Positions`, or a list's own pattern). */
export function decodeCursor(cursor: string | undefined, shape: RegExp): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const { p } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof p === 'string' && shape.test(p)) return p;
  } catch {
    // fall through
  }
  throw notACursor();
}

/** Given limit + 1 rows, the page and the cursor of the next one. */
export function page<T>(rows: T[], limit: number, positionOf: (row: T) => string): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last ? encodeCursor(positionOf(last)) : null };
}

/**
 * Given limit + 1 rows, the page as the API answers it: the first `limit` rows as views (a view may read more, so it
 * may be async), and the next page's cursor.
 */
export async function pageBody<T, V>(
  rows: T[],
  limit: number,
  positionOf: (row: T) => string,
  view: (row: T) => V | Promise<V>,
): Promise<{ data: V[]; next_cursor: string | null }> {
  const { data, nextCursor } = page(rows, limit, positionOf);
  return { data: await Promise.all(data.map(view)), next_cursor: nextCursor };
}
