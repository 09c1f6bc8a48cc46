/**
 * What the flows storm hands each of its flows: the stack, the retrying client's calls, the book of what each user's
 * balance must be, and the pace that spreads a flow's operations over the kills. A flow prepares its users before the
 * kills, runs while they come, says what it still waits for, and counts what went wrong once everything is final.
 */
import type { DevStack } from '../../support/dev-stack.js';
import type { ApiResponse, ChaosRow } from '../support.js';

export type StormUser = { id: string; token: string; email: string };

export interface FlowsContext {
  stack: DevStack;
  /** A request retried through kills until it is answered without a 5xx. */
  call(request: () => Promise<ApiResponse>, what?: string): Promise<ApiResponse>;
  /** A POST retried under the same Idempotency-Key (`key`). */
  post(what: string, path: string, body: unknown, token: string, key?: string): Promise<ApiResponse>;
  /** The body of an answer with one of `statuses`; any other stops the storm. */
  must(what: string, response: ApiResponse, ...statuses: number[]): any;
  /** Adds `amount` (minor units) to what `userId`'s posted balance in `currency` must be. */
  book(userId: string, currency: string, amount: bigint): void;
  /** Verified users, each funded in `currencies` (booked). */
  fundedUsers(prefix: string, currencies: string[]): Promise<StormUser[]>;
  /** Runs `operation` `total` times, two at a time, paced so they spread over the kills. */
  spread(total: number, operation: (i: number) => Promise<void>): Promise<unknown>;
}

export interface StormFlow {
  /** Its users, whose balances the storm checks against what was booked. */
  users: StormUser[];
  /** Runs the flow's operations, while the kills come. */
  run(): Promise<unknown>;
  /** What is not final yet (0 once the flow has nothing left to wait for). */
  open(): Promise<number>;
  /** Its counts; it books its users' operations first, so the balances' count sees them. */
  check(): Promise<ChaosRow[]>;
}
