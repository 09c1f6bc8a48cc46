/**
 * The settings most money operations share: on or off, the smallest and largest amount, a daily limit, and a fee
 * (fixed + percent). Transfers are exactly these; withdrawals and deposits add their own fields.
 */
import type { FeeSchedule } from '../fees.js';
import { formatPercent } from '../fees.js';
import type { CounterChange } from '../ledger/engine.js';
import { amountOf, amountValue, flagOf, limitOf, limitValue, percentOf, type SettingFields } from './fields.js';
import type { SettingValues } from './resolve.js';

export interface AmountRules {
  enabled: boolean;
  minAmount: bigint;
  maxAmount: bigint | null;
  /** Most a user may move per UTC day in this currency (amounts, fees excluded). */
  dailyLimit: bigint | null;
  fee: FeeSchedule;
}

export const AMOUNT_RULE_FIELDS: SettingFields = {
  enabled: 'flag',
  min_amount: 'amount',
  max_amount: 'limit',
  daily_limit: 'limit',
  fee_fixed: 'amount',
  fee_percent: 'percent',
};

export const DEFAULT_AMOUNT_RULES: AmountRules = {
  enabled: true,
  minAmount: 1n,
  maxAmount: null,
  dailyLimit: null,
  fee: { fixed: 0n, ratePpm: 0n },
};

export function decodeAmountRules(values: SettingValues): AmountRules {
  return {
    enabled: flagOf(values, 'enabled'),
    minAmount: amountOf(values, 'min_amount'),
    maxAmount: limitOf(values, 'max_amount'),
    dailyLimit: limitOf(values, 'daily_limit'),
    fee: { fixed: amountOf(values, 'fee_fixed'), ratePpm: percentOf(values, 'fee_percent') },
  };
}

export function encodeAmountRules(rules: AmountRules): SettingValues {
  return {
    enabled: rules.enabled,
    min_amount: amountValue(rules.minAmount),
    max_amount: limitValue(rules.maxAmount),
    daily_limit: limitValue(rules.dailyLimit),
    fee_fixed: amountValue(rules.fee.fixed),
    fee_percent: formatPercent(rules.fee.ratePpm),
  };
}

/**
 * What an operation adds to a usage counter (a daily or monthly limit's). The amount counts whether or not a limit
 * applies now, so a limit set later in the period (on the user, or on a group they join) counts what was already
 * moved; `max` only where one applies.
 */
export function limitCounter(key: string, amount: bigint, limit: bigint | null): CounterChange {
  return limit === null ? { key, add: amount } : { key, add: amount, max: limit };
}
