/**
 * What an API key may do: `read` (any GET), `trade` (orders, swaps, bets, other writes), `withdraw` (money leaving the
 * account for someone else: withdrawals, transfers to other users, invoices paid from the balance). A route's scope
 * follows from its method and path, here, in one table, so a new route is covered the day it is added; the key's
 * scopes come from the in-memory directory, so the check reads nothing.
 */
export const API_KEY_SCOPES = ['read', 'trade', 'withdraw'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * Writes under these paths move money out of the caller's account to someone else (their repeats included: they live
 * under the same paths). Swaps, orders and bets stay `trade`: their money stays the caller's or goes to the house at
 * a price the caller set, and a callback URL moves nothing.
 */
const WITHDRAW_PATHS = [/^\/v1\/withdrawals(\/|$)/, /^\/v1\/transfers(\/|$)/, /^\/v1\/invoices\/[^/]+\/pay(\/|$)/];

/** `path`: the decoded path the router matches (`/v1/%74ransfers` is routed as `/v1/transfers`), not the raw one. */
export function scopeForRequest(method: string, path: string): ApiKeyScope {
  if (method === 'GET' || method === 'HEAD') return 'read';
  return WITHDRAW_PATHS.some((p) => p.test(path)) ? 'withdraw' : 'trade';
}
