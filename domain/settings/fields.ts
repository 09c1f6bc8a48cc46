/**
 * What an operation's settings are made of: each field has a kind, which says how it is stored (JSON in a layer),
 * checked and read. Amounts are minor units as decimal strings (no float ever holds money); a limit is an amount or
 * null (no limit); a percent is a string such as "0.25" (parsed to ppm, exact); a count is a small integer.
 */
import { parsePercent } from '../fees.js';
import type { SettingValue, SettingValues } from './resolve.js';

export type FieldKind = 'flag' | 'amount' | 'limit' | 'percent' | 'count';
export type SettingFields = Readonly<Record<string, FieldKind>>;

/**
 * An operation whose settings the resolver decides. `defaults` sets every field; `decode` turns effective values into
 * the typed settings the operation's rules take, `encode` the reverse (for saving a whole default).
 */
export interface OperationSettings<T> {
  /** The store's and the operators' URL's name: `transfers` → /v1/ops/settings/transfers/{subject}/... */
  operation: string;
  /** What its subjects are: currency codes (`USDT`), or pairs (`BASE-QUOTE`, amounts in the base). */
  subject: 'currency' | 'pair';
  fields: SettingFields;
  defaults: SettingValues;
  decode(values: SettingValues): T;
  encode(settings: T): SettingValues;
}

const MINOR_UNITS = /^\d{1,78}$/;

/** Why `value` is not a valid `kind`, or null. */
export function invalidValue(kind: FieldKind, value: SettingValue): string | null {
  switch (kind) {
    case 'flag':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'amount':
      return typeof value === 'string' && MINOR_UNITS.test(value) ? null : 'must be an amount in minor units';
    case 'limit':
      return value === null || (typeof value === 'string' && MINOR_UNITS.test(value)) ? null : 'must be an amount or null';
    case 'percent': {
      if (typeof value !== 'string') return 'must be a percentage such as "0.25"';
      const parsed = parsePercent(value);
      return parsed.ok ? null : parsed.reason;
    }
    case 'count':
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 1_000_000
        ? null
        : 'must be a whole number';
  }
}

/**
 * The first field of `values` that is unknown or of the wrong kind, or a `max_amount` below the same layer's
 * `min_amount` (which would refuse every amount), as [field, reason], or null.
 */
export function invalidField(fields: SettingFields, values: SettingValues): [string, string] | null {
  for (const [field, value] of Object.entries(values)) {
    const kind = fields[field];
    if (!kind) return [field, 'is not a setting of this operation'];
    const reason = invalidValue(kind, value);
    if (reason) return [field, reason];
  }
  const { min_amount: min, max_amount: max } = values;
  if (typeof min === 'string' && typeof max === 'string' && BigInt(max) < BigInt(min))
    return ['max_amount', 'must not be below min_amount'];
  return null;
}

// Readers of effective values, which the store has checked on the way in.
export const flagOf = (values: SettingValues, field: string): boolean => values[field] === true;
export const amountOf = (values: SettingValues, field: string): bigint => BigInt(values[field] as string);
export const limitOf = (values: SettingValues, field: string): bigint | null =>
  values[field] === null ? null : BigInt(values[field] as string);
export const countOf = (values: SettingValues, field: string): number => values[field] as number;
export function percentOf(values: SettingValues, field: string): bigint {
  const parsed = parsePercent(values[field] as string);
  if (!parsed.ok) throw new Error(`setting ${field} is not a percentage: ${String(values[field])}`);
  return parsed.ppm;
}

// Writers, for encode().
export const amountValue = (amount: bigint): string => amount.toString();
export const limitValue = (amount: bigint | null): string | null => (amount === null ? null : amount.toString());
