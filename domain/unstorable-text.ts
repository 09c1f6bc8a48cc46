/**
 * Text PostgreSQL cannot store as sent, refused where input enters, naming the field: every API route and console page
 * (`api/http/unstorable-text.ts`), and a body parsed only once its signature is checked (the KYC provider's webhook)
 * where it is parsed. U+0000: text cannot hold it (nor jsonb a string with it: "invalid byte sequence for encoding
 * UTF8: 0x00"), so a value carrying one can never be stored, nor even compared in a query. An unpaired surrogate
 * (JSON's `\ud800` escape alone): jsonb refuses it (a 500), and text stores U+FFFD in its place, so what is read back,
 * or compared with a repeat under the same Idempotency-Key, is not what was sent.
 */

export const NUL_CHARACTER_REFUSED = 'must not contain the NUL character (U+0000)';
export const UNPAIRED_SURROGATE_REFUSED = 'must be well-formed Unicode: no unpaired surrogate (\\ud800–\\udfff alone)';

/** With the `u` flag a surrogate pair is read as the one character it makes, so only a surrogate standing alone matches. */
const UNSTORABLE = /[\0\p{Surrogate}]/u;

/** Where unstorable text is (`['items', '0', 'note']`; `[]` for the value itself), and why it is refused. */
export interface UnstorableText {
  path: string[];
  message: string;
}

interface Visit {
  value: object;
  key: string;
  parent: Visit | null;
}

/**
 * The first string in `value`, or key of an object in it, holding U+0000 or an unpaired surrogate, or null when none
 * does. Iterative, so that no nesting a body can bring overflows the stack.
 */
export function unstorableTextIn(value: unknown): UnstorableText | null {
  if (typeof value === 'string') {
    const message = refusalOf(value);
    return message === null ? null : { path: [], message };
  }
  if (typeof value !== 'object' || value === null) return null;
  const pending: Visit[] = [{ value, key: '', parent: null }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    for (const key in visit.value) {
      const child = (visit.value as Record<string, unknown>)[key];
      const message = refusalOf(key) ?? (typeof child === 'string' ? refusalOf(child) : null);
      if (message !== null) return { path: [...pathOf(visit), key], message };
      if (typeof child === 'object' && child !== null) pending.push({ value: child, key, parent: visit });
    }
  }
  return null;
}

/** Why `text` cannot be stored, or null when it can. */
function refusalOf(text: string): string | null {
  const found = UNSTORABLE.exec(text);
  if (found === null) return null;
  return found[0] === '\0' ? NUL_CHARACTER_REFUSED : UNPAIRED_SURROGATE_REFUSED;
}

function pathOf(visit: Visit): string[] {
  const path: string[] = [];
  for (let at: Visit | null = visit; at?.parent; at = at.parent) path.push(at.key);
  return path.reverse();
}
