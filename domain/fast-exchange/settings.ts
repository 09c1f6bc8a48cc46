/**
 * A pair's fast-exchange settings, resolved per user (user over group over verification level over the pair's
 * default, domain/settings/resolve.ts): on or off, the fee, how long a quote holds, and limits in minor units of the
 * pair's base currency, whichever way the swap goes (per swap, and per user and UTC day).
 */
import { DomainError, ErrorCode } from '../errors.js';
import { formatPercent } from '../fees.js';
import {
  amountOf,
  amountValue,
  countOf,
  flagOf,
  limitOf,
  limitValue,
  percentOf,
  type OperationSettings,
} from '../settings/fields.js';

export interface FastExchangeSettings {
  enabled: boolean;
  feePpm: bigint;
  quoteTtlSeconds: number;
  minAmount: bigint;
  maxAmount: bigint | null;
  dailyLimit: bigint | null;
}

export const DEFAULT_FAST_EXCHANGE_SETTINGS: FastExchangeSettings = {
  enabled: true,
  feePpm: 2_000n,
  quoteTtlSeconds: 30,
  minAmount: 1n,
  maxAmount: null,
  dailyLimit: null,
};

const encode = (s: FastExchangeSettings) => ({
  enabled: s.enabled,
  fee_percent: formatPercent(s.feePpm),
  quote_ttl_seconds: s.quoteTtlSeconds,
  min_amount: amountValue(s.minAmount),
  max_amount: limitValue(s.maxAmount),
  daily_limit: limitValue(s.dailyLimit),
});

export const FAST_EXCHANGE_SETTINGS: OperationSettings<FastExchangeSettings> = {
  operation: 'fast-exchange',
  subject: 'pair',
  fields: {
    enabled: 'flag',
    fee_percent: 'percent',
    quote_ttl_seconds: 'count',
    min_amount: 'amount',
    max_amount: 'limit',
    daily_limit: 'limit',
  },
  defaults: encode(DEFAULT_FAST_EXCHANGE_SETTINGS),
  decode: (values) => ({
    enabled: flagOf(values, 'enabled'),
    feePpm: percentOf(values, 'fee_percent'),
    // a quote must live at least a second and at most an hour, whatever a layer says
    quoteTtlSeconds: Math.min(Math.max(countOf(values, 'quote_ttl_seconds'), 1), 3_600),
    minAmount: amountOf(values, 'min_amount'),
    maxAmount: limitOf(values, 'max_amount'),
    dailyLimit: limitOf(values, 'daily_limit'),
  }),
  encode,
};

/** The first per-swap rule the swap's base amount breaks, or null; the daily limit is the ledger's, atomically. */
export function checkSwapLimits(
  baseAmount: bigint,
  settings: FastExchangeSettings,
  pair: string,
  field: string,
): DomainError | null {
  if (baseAmount < settings.minAmount) {
    return new DomainError(ErrorCode.AmountBelowMinimum, `the swap is below the minimum for ${pair}`, [
      { path: field, message: 'below the minimum' },
    ]);
  }
  if (settings.maxAmount !== null && baseAmount > settings.maxAmount) {
    return new DomainError(ErrorCode.AmountAboveMaximum, `the swap is above the maximum for ${pair}`, [
      { path: field, message: 'above the maximum' },
    ]);
  }
  return null;
}
