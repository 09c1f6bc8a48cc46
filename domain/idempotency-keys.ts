/**
 * Idempotency-Keys. The keys Sluice chooses itself (a fired trigger's order) live under a prefix the API refuses from
 * clients, so no client key can take their place. A repeated key is compared with its first request on every field
 * of the request, each named once per kind of request, so a request that gains a field cannot be compared without it.
 */
import { DomainError, ErrorCode } from './errors.js';

/** What every key Sluice chooses starts with; a client's Idempotency-Key may not. */
export const SYSTEM_KEY_PREFIX = 'sluice:';

export const systemKey = (name: string) => `${SYSTEM_KEY_PREFIX}${name}`;

/**
 * Every field of a request (normalised: defaults filled in), each with the name the client knows it by. The fields are
 * values (bigint, string, boolean, null), compared with ===.
 */
export type RequestFields<T> = { readonly [K in keyof Required<T>]: string };

/**
 * A repeat under `key` of the first request (as stored): null when it asks for the same (a replay), else the 409 to
 * answer, naming the key and every field that differs.
 */
export function repeatConflict<T>(key: string, what: string, first: T, repeat: T, fields: RequestFields<T>): DomainError | null {
  const differing = (Object.keys(fields) as Array<keyof T>).filter((f) => first[f] !== repeat[f]).map((f) => fields[f]);
  if (differing.length === 0) return null;
  const message = `was used for a different ${what} (${differing.join(', ')} ${differing.length === 1 ? 'differs' : 'differ'})`;
  return new DomainError(ErrorCode.IdempotencyConflict, `Idempotency-Key "${key}" ${message}`, [
    { path: 'Idempotency-Key', message },
  ]);
}

/** A JSON value as one string whatever the order of its objects' keys, so that an object field compares with ===. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
