import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import {
  approvalReasons,
  checkWithdrawalRules,
  withdrawalCounters,
  withdrawalFee,
  type WithdrawalSettings,
} from '../../domain/withdrawals/rules.js';

const settings: WithdrawalSettings = {
  enabled: true,
  minAmount: 1_000n,
  maxAmount: 1_000_000n,
  dailyLimit: 2_000_000n,
  monthlyLimit: 10_000_000n,
  fee: { fixed: 100n, ratePpm: 2_500n }, // 1.00 + 0.25%
  approvalThreshold: 500_000n,
  confirmations: 12,
};

function expectRefused(error: DomainError | null, code: ErrorCode, message: string) {
  expect(error).toBeInstanceOf(DomainError);
  expect(error?.code).toBe(code);
  expect(error?.message).toBe(message);
}

describe('checkWithdrawalRules', () => {
  it('accepts amounts from the minimum to the maximum, both included', () => {
    expect(checkWithdrawalRules(1_000n, settings, 'USDT')).toBeNull();
    expect(checkWithdrawalRules(123_456n, settings, 'USDT')).toBeNull();
    expect(checkWithdrawalRules(1_000_000n, settings, 'USDT')).toBeNull();
  });

  it('refuses an amount one minor unit below the minimum', () => {
    expectRefused(
      checkWithdrawalRules(999n, settings, 'USDT'),
      ErrorCode.AmountBelowMinimum,
      'amount is below the minimum withdrawal of USDT',
    );
    expect(checkWithdrawalRules(0n, settings, 'USDT')?.code).toBe(ErrorCode.AmountBelowMinimum);
    expect(checkWithdrawalRules(-1n, settings, 'USDT')?.code).toBe(ErrorCode.AmountBelowMinimum);
  });

  it('refuses an amount one minor unit above the maximum', () => {
    expectRefused(
      checkWithdrawalRules(1_000_001n, settings, 'ETH'),
      ErrorCode.AmountAboveMaximum,
      'amount is above the maximum withdrawal of ETH',
    );
  });

  it('has no upper bound without a maximum', () => {
    expect(checkWithdrawalRules(10n ** 30n, { ...settings, maxAmount: null }, 'ETH')).toBeNull();
  });

  it('refuses everything when the currency is disabled, before looking at the amount', () => {
    const disabled = { ...settings, enabled: false };
    for (const amount of [1_000n, 999n, 1_000_001n]) {
      expectRefused(checkWithdrawalRules(amount, disabled, 'XRP'), ErrorCode.CurrencyDisabled, 'withdrawals of XRP are disabled');
    }
  });

  it('checks the minimum before the maximum when they contradict', () => {
    const odd = { ...settings, minAmount: 500n, maxAmount: 100n };
    expect(checkWithdrawalRules(200n, odd, 'ETH')?.code).toBe(ErrorCode.AmountBelowMinimum);
    expect(checkWithdrawalRules(600n, odd, 'ETH')?.code).toBe(ErrorCode.AmountAboveMaximum);
  });
});

describe('withdrawalFee', () => {
  it('is the fixed part plus the rate, rounded up to the next minor unit', () => {
    expect(withdrawalFee(10_000n, settings)).toBe(125n); // 100 + 25 exactly
    expect(withdrawalFee(10_001n, settings)).toBe(126n); // 100 + 25.0025 → 26
    expect(withdrawalFee(399n, settings)).toBe(101n); // 100 + 0.9975 → 1
    expect(withdrawalFee(400n, settings)).toBe(101n); // 100 + 1 exactly
    expect(withdrawalFee(1_000_000n, settings)).toBe(2_600n);
  });

  it('is zero with a zero schedule and the fixed part alone without a rate', () => {
    expect(withdrawalFee(10n ** 20n, { ...settings, fee: { fixed: 0n, ratePpm: 0n } })).toBe(0n);
    expect(withdrawalFee(10n ** 20n, { ...settings, fee: { fixed: 7n, ratePpm: 0n } })).toBe(7n);
  });

  it('is exact on amounts far beyond a float', () => {
    // 0.25% of 10^30 + 1 minor units: 2.5 * 10^27 + 0.0025 → rounded up
    expect(withdrawalFee(10n ** 30n + 1n, settings)).toBe(100n + 25n * 10n ** 26n + 1n);
  });
});

describe('approvalReasons', () => {
  it('always asks an operator for the first withdrawal to an address', () => {
    expect(approvalReasons(1_000n, settings, false)).toEqual(['new_address']);
    expect(approvalReasons(1_000n, { ...settings, approvalThreshold: null }, false)).toEqual(['new_address']);
    expect(approvalReasons(500_000n, settings, false)).toEqual(['new_address', 'amount']);
  });

  it('asks for amounts at or above the threshold to a known address', () => {
    expect(approvalReasons(499_999n, settings, true)).toEqual([]);
    expect(approvalReasons(500_000n, settings, true)).toEqual(['amount']);
    expect(approvalReasons(500_001n, settings, true)).toEqual(['amount']);
  });

  it('never asks for the amount alone without a threshold', () => {
    expect(approvalReasons(10n ** 30n, { ...settings, approvalThreshold: null }, true)).toEqual([]);
  });

  it('asks for everything with a zero threshold', () => {
    expect(approvalReasons(1n, { ...settings, approvalThreshold: 0n }, true)).toEqual(['amount']);
  });
});

describe('withdrawalCounters', () => {
  it('counts the amount against the UTC day and month, with the limits as maxima', () => {
    const counters = withdrawalCounters('u1', 'USDT', 5_000n, settings, new Date('2024-03-31T23:59:59.999Z'));
    expect(counters).toStrictEqual([
      { key: 'withdrawal-day:u1:USDT:2024-03-31', add: 5_000n, max: 2_000_000n },
      { key: 'withdrawal-month:u1:USDT:2024-03', add: 5_000n, max: 10_000_000n },
    ]);
  });

  it('uses the UTC date, not the local one', () => {
    // 00:30 on 1 April in UTC+02:00 is still 31 March in UTC
    const [day, month] = withdrawalCounters('u1', 'ETH', 1n, settings, new Date('2024-04-01T00:30:00+02:00'));
    expect(day?.key).toBe('withdrawal-day:u1:ETH:2024-03-31');
    expect(month?.key).toBe('withdrawal-month:u1:ETH:2024-03');
  });

  it('leaves out the maximum of a limit that is not set (the counter still counts)', () => {
    const counters = withdrawalCounters(
      'u2',
      'XRP',
      42n,
      { ...settings, dailyLimit: null, monthlyLimit: null },
      new Date('2025-01-01T00:00:00Z'),
    );
    expect(counters).toStrictEqual([
      { key: 'withdrawal-day:u2:XRP:2025-01-01', add: 42n },
      { key: 'withdrawal-month:u2:XRP:2025-01', add: 42n },
    ]);
    for (const counter of counters) expect(counter).not.toHaveProperty('max');
  });

  it('counts the amount only: the fee is not part of the limit', () => {
    const counters = withdrawalCounters('u1', 'USDT', 10_000n, settings, new Date('2024-06-15T12:00:00Z'));
    expect(counters.map((c) => c.add)).toEqual([10_000n, 10_000n]);
  });
});
