/** Opaque cursors for keyset pagination: the client passes next_cursor back as `cursor`. */
import { invalidField } from './problem.js';

export function encodeCursor(position: string): string {
  return Buffer.from(JSON.stringify({ p: position })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  try {
    const { p } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { p?: unknown };
    if (typeof p === 'string' && p.length > 0) return p;
  } catch {
    // fall through
  }
  throw invalidField('cursor', 'is not a cursor this API returned');
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
