/**
 * How a delivery goes: BTCPay's retry schedule, what an answer means, and the bounds of one attempt. A delivery never
 * stops silently: once the schedule is spent it is `failed`, shown to the merchant and the operators, and redeliverable.
 */

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';
export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const satisfies readonly DeliveryStatus[];

/**
 * Why a delivery failed when the merchant's answers did not decide it: `endpoint_off`, not sent because its endpoint
 * was turned off or deleted; `workflow_ended`, its workflow ended without it (terminated by an operator). Null
 * otherwise: the last answer or error says why.
 */
export type FailureReason = 'endpoint_off' | 'workflow_ended';
export const FAILURE_REASONS = ['endpoint_off', 'workflow_ended'] as const satisfies readonly FailureReason[];

/** What one attempt's answer means: 2xx ends the delivery, a retryable failure waits for the next, any other is final. */
export type AttemptOutcome = 'delivered' | 'retry' | 'final';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

/** BTCPay's schedule: the waits before each retry (10 s, 1 min, then 6 × 10 min): nine attempts in all. */
export const RETRY_DELAYS_MS: readonly number[] = [10 * SECOND, MINUTE, ...Array<number>(6).fill(10 * MINUTE)];

/** A request that outlasts this is a network failure (retried). */
export const ATTEMPT_TIMEOUT_MS = 10 * SECOND;
/** The most of a response body read and kept in the attempt's log. */
export const RESPONSE_EXCERPT_BYTES = 1_024;

/**
 * 2xx delivered; 5xx, 408 (timeout) and 429 (rate limited) are the merchant's passing trouble and are retried; any
 * other status (a 3xx too: redirects are never followed) is the merchant's final word. `null`: no answer (a network
 * error or a timeout), retried.
 */
export function classifyAnswer(status: number | null): AttemptOutcome {
  if (status === null) return 'retry';
  if (status >= 200 && status < 300) return 'delivered';
  if (status >= 500 || status === 408 || status === 429) return 'retry';
  return 'final';
}

/** The wait after attempt `attempt` (1-based) failed retryably, or null when it was the last of the schedule. */
export function retryDelayAfter(attempt: number, schedule: readonly number[]): number | null {
  return schedule[attempt - 1] ?? null;
}
