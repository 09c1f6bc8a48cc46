/**
 * What an API key may do: `read` (any GET), `trade` (orders, swaps, bets, other writes), `withdraw` (money leaving the
 * account for someone else: withdrawals, transfers to other users, invoices paid from the balance; and an operator's
 * writes that move money on the ledger). A route's scope follows from its method and path, here, in one table, so a
 * new route is covered the day it is added; the key's scopes come from the in-memory directory, so the check reads
 * nothing.
 */
export const API_KEY_SCOPES = ['read', 'trade', 'withdraw'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

/**
 * Writes under these paths move money out of the caller's account to someone else (their repeats included: they live
 * under the same paths). Swaps, orders and bets stay `trade`: their money stays the caller's or goes to the house at
 * a price the caller set, and a callback URL moves nothing.
 */
const CALLER_MONEY_PATHS = [/^\/v1\/withdrawals(\/|$)/, /^\/v1\/transfers(\/|$)/, /^\/v1\/invoices\/[^/]+\/pay(\/|$)/];

/**
 * Operators' writes that move money between the house and someone (a user's balance, a merchant's settlement, a
 * withdrawal's payout, custody, the swap inventory): a key that may only trade must not mint, pay out or book funds.
 * Settings, markets, reports and the like stay `trade`.
 */
const OPERATOR_MONEY_PATHS = [
  /^\/v1\/ops\/adjustments(\/|$)/,
  /^\/v1\/ops\/withdrawals\//, // approve, reject, close
  /^\/v1\/ops\/deposits\//, // credit a held deposit
  /^\/v1\/ops\/xrpl\/unmatched\//, // assign a payment to a user
  /^\/v1\/ops\/invoices\//, // mark settled or invalid: what was paid goes to the merchant
  /^\/v1\/ops\/custody-adjustments(\/|$)/,
  /^\/v1\/ops\/exchange\/inventory(\/|$)/,
];

/** Writes under these paths need `withdraw`. */
const WITHDRAW_PATHS = [...CALLER_MONEY_PATHS, ...OPERATOR_MONEY_PATHS];

/** `path`: the decoded path the router matches (`/v1/%74ransfers` is routed as `/v1/transfers`), not the raw one. */
export function scopeForRequest(method: string, path: string): ApiKeyScope {
  if (method === 'GET' || method === 'HEAD') return 'read';
  return WITHDRAW_PATHS.some((p) => p.test(path)) ? 'withdraw' : 'trade';
}
