/**
 * A withdrawal's life. The happy path is awaiting_confirmation → awaiting_approval (only when required) → queued →
 * broadcast → succeeded; every other end releases the hold, except failed_awaiting_operator, which keeps it until an
 * operator closes the withdrawal.
 */

export const WITHDRAWAL_STATUSES = [
  'awaiting_confirmation',
  'awaiting_approval',
  'queued',
  'broadcast',
  'succeeded',
  'rejected',
  'cancelled',
  'expired',
  'failed_awaiting_operator',
  'closed',
] as const;

export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

const NEXT: Record<WithdrawalStatus, readonly WithdrawalStatus[]> = {
  awaiting_confirmation: ['awaiting_approval', 'queued', 'cancelled', 'expired'],
  awaiting_approval: ['queued', 'rejected', 'cancelled', 'expired'],
  // rejected when queued: its address proved one of our own wallets before anything was sent
  queued: ['broadcast', 'rejected', 'cancelled', 'failed_awaiting_operator'],
  // a transaction that reverted or vanished goes back to the operator; it never counts as paid. An operator may also
  // close a broadcast withdrawal whose final status the chain or gateway never gave
  broadcast: ['succeeded', 'failed_awaiting_operator', 'closed'],
  failed_awaiting_operator: ['closed'],
  succeeded: [],
  rejected: [],
  cancelled: [],
  expired: [],
  closed: [],
};

export function canMove(from: WithdrawalStatus, to: WithdrawalStatus): boolean {
  return NEXT[from].includes(to);
}

export function isFinal(status: WithdrawalStatus): boolean {
  return NEXT[status].length === 0;
}

/** A status as messages word it: `awaiting_approval` → "awaiting approval". */
export function statusWords(status: WithdrawalStatus): string {
  return status.replace(/_/g, ' ');
}

/** The user may cancel until the transaction is broadcast. */
export function userMayCancel(status: WithdrawalStatus): boolean {
  return canMove(status, 'cancelled');
}

export const MAX_CODE_ATTEMPTS = 5;

/** Where an operator's manual close is allowed. */
export function operatorMayClose(status: WithdrawalStatus): boolean {
  return canMove(status, 'closed');
}
