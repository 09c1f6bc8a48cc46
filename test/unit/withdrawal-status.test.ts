import { describe, expect, it } from 'vitest';
import {
  MAX_CODE_ATTEMPTS,
  WITHDRAWAL_STATUSES,
  canMove,
  isFinal,
  operatorMayClose,
  userMayCancel,
  type WithdrawalStatus,
} from '../../domain/withdrawals/status.js';

/** The transitions the workflow may make, written out: any change to the state machine must change this table. */
const ALLOWED: Record<WithdrawalStatus, WithdrawalStatus[]> = {
  awaiting_confirmation: ['awaiting_approval', 'queued', 'cancelled', 'expired'],
  awaiting_approval: ['queued', 'rejected', 'cancelled', 'expired'],
  queued: ['broadcast', 'rejected', 'cancelled', 'failed_awaiting_operator'],
  broadcast: ['succeeded', 'failed_awaiting_operator', 'closed'],
  failed_awaiting_operator: ['closed'],
  succeeded: [],
  rejected: [],
  cancelled: [],
  expired: [],
  closed: [],
};

const FINAL: WithdrawalStatus[] = ['succeeded', 'rejected', 'cancelled', 'expired', 'closed'];

describe('withdrawal status machine', () => {
  it('knows the ten statuses', () => {
    expect([...WITHDRAWAL_STATUSES].sort()).toEqual(Object.keys(ALLOWED).sort());
    expect(WITHDRAWAL_STATUSES).toHaveLength(10);
  });

  it.each(WITHDRAWAL_STATUSES)('moves from %s exactly to the allowed statuses', (from) => {
    const reachable = WITHDRAWAL_STATUSES.filter((to) => canMove(from, to));
    expect(reachable).toEqual(WITHDRAWAL_STATUSES.filter((to) => ALLOWED[from].includes(to)));
  });

  it('never moves a status to itself', () => {
    for (const status of WITHDRAWAL_STATUSES) expect(canMove(status, status)).toBe(false);
  });

  it('walks the happy path, with and without approval', () => {
    const path = (...statuses: WithdrawalStatus[]) => statuses.slice(1).every((to, i) => canMove(statuses[i]!, to));
    expect(path('awaiting_confirmation', 'queued', 'broadcast', 'succeeded')).toBe(true);
    expect(path('awaiting_confirmation', 'awaiting_approval', 'queued', 'broadcast', 'succeeded')).toBe(true);
  });

  it('counts as paid only after a broadcast, and never skips the confirmation or the queue', () => {
    expect(WITHDRAWAL_STATUSES.filter((from) => canMove(from, 'succeeded'))).toEqual(['broadcast']);
    expect(WITHDRAWAL_STATUSES.filter((from) => canMove(from, 'broadcast'))).toEqual(['queued']);
    expect(canMove('awaiting_confirmation', 'broadcast')).toBe(false);
    expect(canMove('awaiting_approval', 'broadcast')).toBe(false);
    // an approval is never asked for after the confirmation step
    expect(WITHDRAWAL_STATUSES.filter((from) => canMove(from, 'awaiting_approval'))).toEqual(['awaiting_confirmation']);
  });

  it("rejects only on an operator's decision or, before sending, an address of our own; only waiting expires", () => {
    expect(WITHDRAWAL_STATUSES.filter((from) => canMove(from, 'rejected'))).toEqual(['awaiting_approval', 'queued']);
    expect(WITHDRAWAL_STATUSES.filter((from) => canMove(from, 'expired'))).toEqual([
      'awaiting_confirmation',
      'awaiting_approval',
    ]);
  });

  it('treats exactly the statuses without a way out as final', () => {
    expect(WITHDRAWAL_STATUSES.filter(isFinal)).toEqual(FINAL);
    expect(isFinal('failed_awaiting_operator')).toBe(false); // keeps its hold until an operator closes it
    expect(isFinal('broadcast')).toBe(false);
  });

  it('reaches every status from the start, and a final status from every status', () => {
    const reach = (from: WithdrawalStatus, seen = new Set<WithdrawalStatus>([from])): Set<WithdrawalStatus> => {
      for (const to of WITHDRAWAL_STATUSES) {
        if (canMove(from, to) && !seen.has(to)) {
          seen.add(to);
          reach(to, seen);
        }
      }
      return seen;
    };
    expect([...reach('awaiting_confirmation')].sort()).toEqual([...WITHDRAWAL_STATUSES].sort());
    for (const status of WITHDRAWAL_STATUSES) expect([...reach(status)].some(isFinal)).toBe(true);
  });
});

describe('who may end a withdrawal', () => {
  it('lets the user cancel until the transaction is broadcast', () => {
    expect(WITHDRAWAL_STATUSES.filter(userMayCancel)).toEqual(['awaiting_confirmation', 'awaiting_approval', 'queued']);
    expect(userMayCancel('broadcast')).toBe(false);
    expect(userMayCancel('failed_awaiting_operator')).toBe(false);
  });

  it('lets an operator close a broadcast or failed withdrawal only', () => {
    expect(WITHDRAWAL_STATUSES.filter(operatorMayClose)).toEqual(['broadcast', 'failed_awaiting_operator']);
    expect(operatorMayClose('queued')).toBe(false);
    expect(operatorMayClose('succeeded')).toBe(false);
  });

  it('allows five attempts at the confirmation code', () => {
    expect(MAX_CODE_ATTEMPTS).toBe(5);
  });
});
