import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { feeFor } from '../../domain/fees.js';
import { applyGroup, balanceView, type LedgerState } from '../../domain/ledger/engine.js';
import {
  checkTransferRules,
  dailyTransferCounter,
  internalTransferGroup,
  transferKey,
  type InternalTransfer,
  type TransferRules,
} from '../../domain/transfers/rules.js';
import { account, accountIn, ledgerOf, snapshot } from './support/ledger-state.js';

const rules: TransferRules = {
  enabled: true,
  minAmount: 100n,
  maxAmount: 1_000_000n,
  dailyLimit: 10_000n,
  fee: { fixed: 10n, ratePpm: 10_000n }, // 0.10 + 1%
};

const transfer = (amount: bigint, idempotencyKey = `k-${amount}`): InternalTransfer => ({
  fromUserId: 'alice',
  toUserId: 'bob',
  currency: 'EUR',
  amount,
  fee: feeFor(amount, rules.fee),
  idempotencyKey,
  day: '2024-05-10',
});

function books(aliceBalance: bigint): LedgerState {
  return ledgerOf(account('user:alice', 'EUR', aliceBalance), account('user:bob', 'EUR'), account('fees:EUR', 'EUR'));
}
const balance = (state: LedgerState, name: string) => balanceView(accountIn(state, name, 'EUR')).posted;

describe('checkTransferRules', () => {
  it('accepts amounts from the minimum to the maximum, both included', () => {
    expect(checkTransferRules(100n, rules, 'EUR')).toBeNull();
    expect(checkTransferRules(1_000_000n, rules, 'EUR')).toBeNull();
  });

  it('refuses one minor unit outside either bound, with the code and message', () => {
    const below = checkTransferRules(99n, rules, 'EUR');
    expect(below).toBeInstanceOf(DomainError);
    expect(below?.code).toBe(ErrorCode.AmountBelowMinimum);
    expect(below?.message).toBe('amount is below the minimum for EUR');
    const above = checkTransferRules(1_000_001n, rules, 'EUR');
    expect(above?.code).toBe(ErrorCode.AmountAboveMaximum);
    expect(above?.message).toBe('amount is above the maximum for EUR');
  });

  it('has no upper bound without a maximum', () => {
    expect(checkTransferRules(10n ** 30n, { ...rules, maxAmount: null }, 'EUR')).toBeNull();
  });

  it('refuses any amount when transfers in the currency are disabled', () => {
    for (const amount of [100n, 1n, 10n ** 30n]) {
      const error = checkTransferRules(amount, { ...rules, enabled: false }, 'EUR');
      expect(error?.code).toBe(ErrorCode.CurrencyDisabled);
      expect(error?.message).toBe('transfers in EUR are disabled');
    }
  });
});

describe('internalTransferGroup', () => {
  it('moves the amount to the recipient and the fee to the fee account, counting the amount for the day', () => {
    const t = transfer(1_000n, 'abc');
    expect(t.fee).toBe(20n); // 10 + 1% of 1_000
    expect(internalTransferGroup(t, rules)).toEqual({
      transfers: [
        {
          kind: 'posted',
          key: 'transfer:alice:abc',
          debit: 'user:alice',
          credit: 'user:bob',
          currency: 'EUR',
          amount: 1_000n,
          metadata: { type: 'internal_transfer', from_user_id: 'alice', to_user_id: 'bob', fee: '20' },
        },
        {
          kind: 'posted',
          key: 'transfer:alice:abc:fee',
          debit: 'user:alice',
          credit: 'fees:EUR',
          currency: 'EUR',
          amount: 20n,
          metadata: { type: 'transfer_fee', transfer_key: 'transfer:alice:abc' },
        },
      ],
      counters: [{ key: 'transfer-out:alice:EUR:2024-05-10', add: 1_000n, max: 10_000n }],
    });
  });

  it('has no fee transfer without a fee, and counts the amount for the day even without a daily limit', () => {
    const group = internalTransferGroup({ ...transfer(500n), fee: 0n }, { ...rules, dailyLimit: null });
    expect(group.transfers).toHaveLength(1);
    expect(group.transfers[0]).toMatchObject({ key: 'transfer:alice:k-500', amount: 500n, metadata: { fee: '0' } });
    expect(group.counters).toEqual([{ key: 'transfer-out:alice:EUR:2024-05-10', add: 500n }]);
  });

  it('counts what was sent before a daily limit applied against the limit set later that day', () => {
    const state = books(100_000n);
    expect(applyGroup(state, internalTransferGroup(transfer(1_000n), { ...rules, dailyLimit: null })).ok).toBe(true);
    const limited = { ...rules, dailyLimit: 15_000n };
    expect(applyGroup(state, internalTransferGroup(transfer(14_000n), limited)).ok).toBe(true);
    const over = applyGroup(state, internalTransferGroup(transfer(1n), limited));
    expect(over.ok || over.error.subject).toBe('transfer-out:alice:EUR:2024-05-10');
  });

  it('scopes the idempotency key to the sender and the counter to sender, currency and day', () => {
    expect(transferKey('alice', 'same')).toBe('transfer:alice:same');
    expect(transferKey('bob', 'same')).toBe('transfer:bob:same');
    expect(dailyTransferCounter('alice', 'EUR', '2024-05-10')).toBe('transfer-out:alice:EUR:2024-05-10');
    const fromBob = internalTransferGroup({ ...transfer(1_000n, 'same'), fromUserId: 'bob', toUserId: 'alice' }, rules);
    expect(fromBob.transfers.map((t) => t.key)).toEqual(['transfer:bob:same', 'transfer:bob:same:fee']);
  });

  it('on the ledger: the sender pays amount + fee, the recipient gets the amount, the house the fee', () => {
    const state = books(10_100n);
    const result = applyGroup(state, internalTransferGroup(transfer(9_900n), rules));
    expect(result.ok).toBe(true);
    expect(transfer(9_900n).fee).toBe(109n); // 10 + 1% of 9_900: 10_009 of the 10_100
    expect(balance(state, 'user:alice')).toBe(91n);
    expect(balance(state, 'user:bob')).toBe(9_900n);
    expect(balance(state, 'fees:EUR')).toBe(109n);
    expect(state.counters.get('transfer-out:alice:EUR:2024-05-10')).toBe(9_900n);
  });

  it('moves nothing when the amount fits but the fee does not', () => {
    const state = books(10_000n);
    const before = snapshot(state);
    const result = applyGroup(state, internalTransferGroup(transfer(9_950n), rules)); // fee 110: 10_060 > 10_000
    expect(result).toEqual({
      ok: false,
      error: { code: ErrorCode.InsufficientFunds, message: 'insufficient available balance', subject: 'user:alice' },
    });
    expect(state).toEqual(before);
    expect(balance(state, 'user:bob')).toBe(0n);
  });

  it('enforces the daily limit on amounts (fees excluded), up to the limit included', () => {
    const state = books(100_000n);
    expect(applyGroup(state, internalTransferGroup(transfer(6_000n), rules)).ok).toBe(true);
    expect(applyGroup(state, internalTransferGroup(transfer(4_000n), rules)).ok).toBe(true);
    const counter = 'transfer-out:alice:EUR:2024-05-10';
    expect(state.counters.get(counter)).toBe(10_000n);
    const before = snapshot(state);
    const over = applyGroup(state, internalTransferGroup(transfer(100n), rules));
    expect(over.ok || over.error).toEqual({
      code: ErrorCode.LimitExceeded,
      message: 'this would exceed a limit',
      subject: counter,
    });
    expect(state).toEqual(before);
    // the next day has its own counter
    expect(applyGroup(state, internalTransferGroup({ ...transfer(100n), day: '2024-05-11' }, rules)).ok).toBe(true);
    expect(state.counters.get('transfer-out:alice:EUR:2024-05-11')).toBe(100n);
    expect(balance(state, 'fees:EUR')).toBe(70n + 50n + 11n); // 10 + 60, 10 + 40, 10 + 1
  });

  it('is refused by the ledger when sender and recipient are the same user', () => {
    const state = books(10_000n);
    const result = applyGroup(state, internalTransferGroup({ ...transfer(1_000n), toUserId: 'alice' }, rules));
    expect(result.ok || result.error.code).toBe(ErrorCode.SameAccount);
    expect(balance(state, 'user:alice')).toBe(10_000n);
  });
});
