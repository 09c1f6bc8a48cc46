/**
 * What an API key may do: `read` (any GET), `trade` (orders, bets, other writes), `withdraw` (money leaving the
 * account: withdrawals and transfers to other users). A route's scope follows from its method and path, here, in one
 * table, so a new route is covered the day it is added; the key's scopes come from the in-memory directory, so the
 * check reads nothing.
 */
export const API_KEY_SCOPES = ['read', 'trade', 'withdraw'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/** Writes under these paths move money out of the caller's account. */
const WITHDRAW_PATHS = [/^\/v1\/withdrawals(\/|$)/, /^\/v1\/transfers(\/|$)/];

export function scopeForRequest(method: string, path: string): ApiKeyScope {
  if (method === 'GET' || method === 'HEAD') return 'read';
  return WITHDRAW_PATHS.some((p) => p.test(path)) ? 'withdraw' : 'trade';
}
