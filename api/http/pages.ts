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
