import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../domain/errors.js';
import { accountsTouched, applyGroup, balanceView, type LedgerState } from '../../domain/ledger/engine.js';
import {
  WITHDRAWAL_CLEARING,
  holdGroup,
  releaseGroup,
  settleGroup,
  withdrawalKeys,
  type WithdrawalMoney,
} from '../../domain/withdrawals/ledger.js';
import { withdrawalCounters, type WithdrawalSettings } from '../../domain/withdrawals/rules.js';
import { account, accountIn, ledgerOf, snapshot } from './support/ledger-state.js';

const withdrawal: WithdrawalMoney = { id: 'w1', userId: 'u1', currency: 'USDT', amount: 5_000n, fee: 125n };
const free: WithdrawalMoney = { ...withdrawal, id: 'w2', fee: 0n };

const settings: WithdrawalSettings = {
  enabled: true,
  minAmount: 1n,
  maxAmount: null,
  dailyLimit: 6_000n,
  monthlyLimit: null,
  fee: { fixed: 0n, ratePpm: 0n },
  approvalThreshold: null,
  confirmations: 1,
};
const now = new Date('2024-05-10T10:00:00Z');
const countersFor = (w: WithdrawalMoney) => withdrawalCounters(w.userId, w.currency, w.amount, settings, now);
const DAY = 'withdrawal-day:u1:USDT:2024-05-10';
const MONTH = 'withdrawal-month:u1:USDT:2024-05';

/** A user holding `balance` USDT, and the system accounts a withdrawal moves money through. */
function books(balance = 10_000n): LedgerState {
  return ledgerOf(
    account('user:u1', 'USDT', balance),
    account(WITHDRAWAL_CLEARING, 'USDT'),
    account('fees:USDT', 'USDT'),
    account('custody:hot:ethereum', 'USDT'),
  );
}

const user = (state: LedgerState) => accountIn(state, 'user:u1', 'USDT');
const clearing = (state: LedgerState) => accountIn(state, WITHDRAWAL_CLEARING, 'USDT');
const fees = (state: LedgerState) => accountIn(state, 'fees:USDT', 'USDT');
const custody = (state: LedgerState) => accountIn(state, 'custody:hot:ethereum', 'USDT');

function sums(a: { debitsPosted: bigint; creditsPosted: bigint; debitsPending: bigint; creditsPending: bigint }) {
  return [a.debitsPosted, a.creditsPosted, a.debitsPending, a.creditsPending];
}

describe('withdrawal keys', () => {
  it('are derived from the withdrawal id, one per ledger step', () => {
    expect(withdrawalKeys('w1')).toEqual({
      amountHold: 'withdrawal:w1:hold',
      feeHold: 'withdrawal:w1:fee-hold',
      amountPost: 'withdrawal:w1:post',
      feePost: 'withdrawal:w1:fee-post',
      payout: 'withdrawal:w1:payout',
      amountVoid: 'withdrawal:w1:void',
      feeVoid: 'withdrawal:w1:fee-void',
    });
  });
});

describe('holdGroup', () => {
  it('holds the amount towards clearing and the fee towards the fee account, with the counters', () => {
    const counters = countersFor(withdrawal);
    expect(holdGroup(withdrawal, counters)).toEqual({
      transfers: [
        {
          kind: 'pending',
          key: 'withdrawal:w1:hold',
          debit: 'user:u1',
          credit: 'clearing:withdrawals',
          currency: 'USDT',
          amount: 5_000n,
          metadata: { type: 'withdrawal', withdrawal_id: 'w1' },
        },
        {
          kind: 'pending',
          key: 'withdrawal:w1:fee-hold',
          debit: 'user:u1',
          credit: 'fees:USDT',
          currency: 'USDT',
          amount: 125n,
          metadata: { type: 'withdrawal_fee', withdrawal_id: 'w1' },
        },
      ],
      counters,
    });
  });

  it('holds no fee when there is none (a zero-amount transfer would be refused)', () => {
    const group = holdGroup(free, []);
    expect(group.transfers).toHaveLength(1);
    expect(group.transfers[0]).toMatchObject({ kind: 'pending', key: 'withdrawal:w2:hold', amount: 5_000n });
  });

  it('reserves amount and fee: available drops, the posted balance does not', () => {
    const state = books();
    const result = applyGroup(state, holdGroup(withdrawal, countersFor(withdrawal)));
    expect(result.ok).toBe(true);
    expect(balanceView(user(state))).toEqual({ posted: 10_000n, pending: 5_125n, available: 4_875n });
    expect(sums(clearing(state))).toEqual([0n, 0n, 0n, 5_000n]);
    expect(sums(fees(state))).toEqual([0n, 0n, 0n, 125n]);
    expect(state.counters.get(DAY)).toBe(5_000n);
    expect(state.counters.get(MONTH)).toBe(5_000n);
    expect(state.pendings.get('withdrawal:w1:hold')).toEqual({
      key: 'withdrawal:w1:hold',
      debit: 'user:u1',
      credit: 'clearing:withdrawals',
      currency: 'USDT',
      amount: 5_000n,
      resolved: false,
    });
  });

  it('touches the user, clearing and fee accounts only', () => {
    expect(accountsTouched(holdGroup(withdrawal, []), new Map())).toEqual([
      ['user:u1', 'USDT'],
      ['clearing:withdrawals', 'USDT'],
      ['user:u1', 'USDT'],
      ['fees:USDT', 'USDT'],
    ]);
  });

  it('holds nothing when the amount fits but amount + fee does not', () => {
    const state = books(5_124n);
    const before = snapshot(state);
    const result = applyGroup(state, holdGroup(withdrawal, countersFor(withdrawal)));
    expect(result).toEqual({
      ok: false,
      error: { code: ErrorCode.InsufficientFunds, message: 'insufficient available balance', subject: 'user:u1' },
    });
    expect(state).toEqual(before);
  });

  it('holds the last minor unit: amount + fee exactly the balance', () => {
    const state = books(5_125n);
    expect(applyGroup(state, holdGroup(withdrawal, [])).ok).toBe(true);
    expect(balanceView(user(state)).available).toBe(0n);
  });

  it('refuses a hold past the daily limit, holding nothing', () => {
    const state = books(100_000n);
    expect(applyGroup(state, holdGroup(withdrawal, countersFor(withdrawal))).ok).toBe(true);
    const second = { ...withdrawal, id: 'w3', amount: 1_001n };
    const before = snapshot(state);
    const result = applyGroup(state, holdGroup(second, countersFor(second)));
    expect(result.ok || result.error).toEqual({
      code: ErrorCode.LimitExceeded,
      message: 'this would exceed a limit',
      subject: DAY,
    });
    expect(state).toEqual(before);
    // exactly up to the limit is allowed
    const third = { ...withdrawal, id: 'w4', amount: 1_000n };
    expect(applyGroup(state, holdGroup(third, countersFor(third))).ok).toBe(true);
    expect(state.counters.get(DAY)).toBe(6_000n);
  });
});

describe('settleGroup', () => {
  it('posts both holds and pays the amount out of hot custody on the chain', () => {
    expect(settleGroup(withdrawal, 'ethereum')).toEqual({
      transfers: [
        { kind: 'post', key: 'withdrawal:w1:post', pendingKey: 'withdrawal:w1:hold' },
        { kind: 'post', key: 'withdrawal:w1:fee-post', pendingKey: 'withdrawal:w1:fee-hold' },
        {
          kind: 'posted',
          key: 'withdrawal:w1:payout',
          debit: 'clearing:withdrawals',
          credit: 'custody:hot:ethereum',
          currency: 'USDT',
          amount: 5_000n,
          metadata: { type: 'withdrawal_payout', withdrawal_id: 'w1', chain: 'ethereum' },
        },
      ],
    });
    expect(settleGroup(free, 'ethereum').transfers.map((t) => t.key)).toEqual(['withdrawal:w2:post', 'withdrawal:w2:payout']);
  });

  it('leaves the user charged amount + fee, clearing at zero and the fee earned', () => {
    const state = books();
    applyGroup(state, holdGroup(withdrawal, countersFor(withdrawal)));
    const result = applyGroup(state, settleGroup(withdrawal, 'ethereum'));
    expect(result.ok && result.entries.map((e) => [e.kind, e.key, e.amount])).toEqual([
      ['post', 'withdrawal:w1:post', 5_000n],
      ['post', 'withdrawal:w1:fee-post', 125n],
      ['posted', 'withdrawal:w1:payout', 5_000n],
    ]);
    expect(balanceView(user(state))).toEqual({ posted: 4_875n, pending: 0n, available: 4_875n });
    expect(sums(clearing(state))).toEqual([5_000n, 5_000n, 0n, 0n]);
    expect(sums(fees(state))).toEqual([0n, 125n, 0n, 0n]);
    expect(sums(custody(state))).toEqual([0n, 5_000n, 0n, 0n]);
    expect(state.pendings.get('withdrawal:w1:hold')?.resolved).toBe(true);
    expect(state.pendings.get('withdrawal:w1:fee-hold')?.resolved).toBe(true);
    // a paid withdrawal keeps its limit usage
    expect(state.counters.get(DAY)).toBe(5_000n);
  });

  it('cannot settle twice, nor settle what was released', () => {
    const settled = books();
    applyGroup(settled, holdGroup(withdrawal, []));
    applyGroup(settled, settleGroup(withdrawal, 'ethereum'));
    const again = applyGroup(settled, settleGroup(withdrawal, 'ethereum'));
    expect(again.ok || again.error.code).toBe(ErrorCode.PendingAlreadyResolved);
    expect(again.ok || again.error.subject).toBe('withdrawal:w1:hold');

    const released = books();
    applyGroup(released, holdGroup(withdrawal, []));
    applyGroup(released, releaseGroup(withdrawal, []));
    const before = snapshot(released);
    const late = applyGroup(released, settleGroup(withdrawal, 'ethereum'));
    expect(late.ok || late.error.code).toBe(ErrorCode.PendingAlreadyResolved);
    expect(released).toEqual(before);
  });

  it('cannot settle a withdrawal that was never held', () => {
    const result = applyGroup(books(), settleGroup(withdrawal, 'ethereum'));
    expect(result.ok || result.error).toEqual({
      code: ErrorCode.PendingNotFound,
      message: 'no pending transfer has this key',
      subject: 'withdrawal:w1:hold',
    });
  });
});

describe('releaseGroup', () => {
  it('voids both holds and gives the counters back', () => {
    expect(releaseGroup(withdrawal, countersFor(withdrawal))).toStrictEqual({
      transfers: [
        { kind: 'void', key: 'withdrawal:w1:void', pendingKey: 'withdrawal:w1:hold' },
        { kind: 'void', key: 'withdrawal:w1:fee-void', pendingKey: 'withdrawal:w1:fee-hold' },
      ],
      // without the maxima: giving back is never refused
      counters: [
        { key: DAY, add: -5_000n },
        { key: MONTH, add: -5_000n },
      ],
    });
    expect(releaseGroup(free, []).transfers).toEqual([
      { kind: 'void', key: 'withdrawal:w2:void', pendingKey: 'withdrawal:w2:hold' },
    ]);
  });

  it('restores the user, clearing and fee accounts and the limit usage exactly', () => {
    const state = books();
    applyGroup(state, holdGroup(withdrawal, countersFor(withdrawal)));
    const result = applyGroup(state, releaseGroup(withdrawal, countersFor(withdrawal)));
    expect(result.ok && result.entries.map((e) => [e.kind, e.amount, e.debit, e.credit])).toEqual([
      ['void', 5_000n, 'user:u1', 'clearing:withdrawals'],
      ['void', 125n, 'user:u1', 'fees:USDT'],
    ]);
    expect(balanceView(user(state))).toEqual({ posted: 10_000n, pending: 0n, available: 10_000n });
    expect(sums(clearing(state))).toEqual([0n, 0n, 0n, 0n]);
    expect(sums(fees(state))).toEqual([0n, 0n, 0n, 0n]);
    expect(state.counters.get(DAY)).toBe(0n);
    expect(state.counters.get(MONTH)).toBe(0n);
  });

  it('frees the daily limit for the next withdrawal', () => {
    const state = books(100_000n);
    applyGroup(state, holdGroup(withdrawal, countersFor(withdrawal)));
    const next = { ...withdrawal, id: 'w5', amount: 2_000n };
    expect(applyGroup(state, holdGroup(next, countersFor(next))).ok).toBe(false);
    expect(applyGroup(state, releaseGroup(withdrawal, countersFor(withdrawal))).ok).toBe(true);
    expect(applyGroup(state, holdGroup(next, countersFor(next))).ok).toBe(true);
    expect(state.counters.get(DAY)).toBe(2_000n);
  });

  it('releases exactly once: a second release changes nothing, counters included', () => {
    const state = books();
    applyGroup(state, holdGroup(withdrawal, countersFor(withdrawal)));
    applyGroup(state, releaseGroup(withdrawal, countersFor(withdrawal)));
    const before = snapshot(state);
    const again = applyGroup(state, releaseGroup(withdrawal, countersFor(withdrawal)));
    expect(again.ok || again.error.code).toBe(ErrorCode.PendingAlreadyResolved);
    expect(state).toEqual(before);
    expect(state.counters.get(DAY)).toBe(0n);
  });

  it('cannot release a settled withdrawal', () => {
    const state = books();
    applyGroup(state, holdGroup(withdrawal, countersFor(withdrawal)));
    applyGroup(state, settleGroup(withdrawal, 'ethereum'));
    const result = applyGroup(state, releaseGroup(withdrawal, countersFor(withdrawal)));
    expect(result.ok || result.error.code).toBe(ErrorCode.PendingAlreadyResolved);
    expect(state.counters.get(DAY)).toBe(5_000n);
  });
});
