/** Per-currency withdrawal settings and the checks a request must pass before anything is held. */
import { ErrorCode, DomainError } from '../errors.js';
import { feeFor } from '../fees.js';
import {
  AMOUNT_RULE_FIELDS,
  DEFAULT_AMOUNT_RULES,
  decodeAmountRules,
  encodeAmountRules,
  limitCounter,
  type AmountRules,
} from '../settings/amount-rules.js';
import { countOf, limitOf, limitValue, type OperationSettings } from '../settings/fields.js';

/** Per currency, group and user (the settings resolver decides which apply). */
export interface WithdrawalSettings extends AmountRules {
  monthlyLimit: bigint | null;
  /** At or above this amount an operator must approve; null: never for the amount alone. */
  approvalThreshold: bigint | null;
  /** Confirmations the transaction needs before the withdrawal counts as paid. */
  confirmations: number;
}

export const WITHDRAWAL_SETTINGS: OperationSettings<WithdrawalSettings> = {
  operation: 'withdrawals',
  subject: 'currency',
  fields: { ...AMOUNT_RULE_FIELDS, monthly_limit: 'limit', approval_threshold: 'limit', confirmations: 'count' },
  defaults: {
    ...encodeAmountRules(DEFAULT_AMOUNT_RULES),
    monthly_limit: null,
    approval_threshold: null,
    confirmations: 1,
  },
  decode: (values) => ({
    ...decodeAmountRules(values),
    monthlyLimit: limitOf(values, 'monthly_limit'),
    approvalThreshold: limitOf(values, 'approval_threshold'),
    confirmations: countOf(values, 'confirmations'),
  }),
  encode: (s) => ({
    ...encodeAmountRules(s),
    monthly_limit: limitValue(s.monthlyLimit),
    approval_threshold: limitValue(s.approvalThreshold),
    confirmations: s.confirmations,
  }),
};

/** The first static rule the amount breaks (limits over time are checked atomically by the ledger). */
export function checkWithdrawalRules(amount: bigint, settings: WithdrawalSettings, currency: string): DomainError | null {
  if (!settings.enabled) return new DomainError(ErrorCode.CurrencyDisabled, `withdrawals of ${currency} are disabled`);
  if (amount < settings.minAmount)
    return new DomainError(ErrorCode.AmountBelowMinimum, `amount is below the minimum withdrawal of ${currency}`);
  if (settings.maxAmount !== null && amount > settings.maxAmount) {
    return new DomainError(ErrorCode.AmountAboveMaximum, `amount is above the maximum withdrawal of ${currency}`);
  }
  return null;
}

export function withdrawalFee(amount: bigint, settings: WithdrawalSettings): bigint {
  return feeFor(amount, settings.fee);
}

export type ApprovalReason = 'new_address' | 'amount';

/**
 * Why an operator must approve this withdrawal (none: it needs no approval): every first withdrawal to an address the
 * user never used, and large ones.
 */
export function approvalReasons(amount: bigint, settings: WithdrawalSettings, addressUsedBefore: boolean): ApprovalReason[] {
  const reasons: ApprovalReason[] = [];
  if (!addressUsedBefore) reasons.push('new_address');
  if (settings.approvalThreshold !== null && amount >= settings.approvalThreshold) reasons.push('amount');
  return reasons;
}

const MONTH_COUNTER = 'withdrawal-month';

/** Daily and monthly usage counters (UTC), keyed so the ledger checks them in the same transaction as the hold. */
export function withdrawalCounters(userId: string, currency: string, amount: bigint, settings: WithdrawalSettings, now: Date) {
  const day = now.toISOString().slice(0, 10);
  const month = day.slice(0, 7);
  return [
    limitCounter(`withdrawal-day:${userId}:${currency}:${day}`, amount, settings.dailyLimit),
    limitCounter(`${MONTH_COUNTER}:${userId}:${currency}:${month}`, amount, settings.monthlyLimit),
  ];
}

/** Which limit a refused hold broke, from the counter the ledger names: the monthly one, else the daily one. */
export function exceededLimit(
  counterKey: string | undefined,
): typeof ErrorCode.MonthlyLimitExceeded | typeof ErrorCode.DailyLimitExceeded {
  return counterKey?.startsWith(`${MONTH_COUNTER}:`) ? ErrorCode.MonthlyLimitExceeded : ErrorCode.DailyLimitExceeded;
}
