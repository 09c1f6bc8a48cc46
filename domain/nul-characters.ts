/**
 * U+0000 in input. PostgreSQL's text cannot hold it (nor jsonb a string with it: "invalid byte sequence for encoding
 * UTF8: 0x00"), so a value carrying one can never be stored, nor even compared in a query. It is refused where input
 * enters, naming the field: every API route and console page (`api/http/nul-characters.ts`), and a body parsed only
 * once its signature is checked (the KYC provider's webhook) where it is parsed.
 */

export const NUL_CHARACTER_REFUSED = 'must not contain the NUL character (U+0000)';

interface Visit {
  value: object;
  key: string;
  parent: Visit | null;
}

/**
 * The path to a string in `value`, or a key of an object in it, that holds U+0000 (`['items', '0', 'note']`; `[]` for
 * `value` itself), or null when none does. Iterative, so that no nesting a body can bring overflows the stack.
 */
export function nulCharacterPath(value: unknown): string[] | null {
  if (typeof value === 'string') return value.includes('\0') ? [] : null;
  if (typeof value !== 'object' || value === null) return null;
  const pending: Visit[] = [{ value, key: '', parent: null }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    for (const key in visit.value) {
      const child = (visit.value as Record<string, unknown>)[key];
      if (key.includes('\0') || (typeof child === 'string' && child.includes('\0'))) return [...pathOf(visit), key];
      if (typeof child === 'object' && child !== null) pending.push({ value: child, key, parent: visit });
    }
  }
  return null;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let at: Visit | null = visit; at?.parent; at = at.parent) path.push(at.key);
  return path.reverse();
}
