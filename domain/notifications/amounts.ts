/**
 * Amounts in the notifications workflows record. People read every amount as a decimal string in its currency's scale,
 * but a workflow cannot read the currency catalog: it names each amount in minor units with its currency
 * (`inMinorUnits`), and the activity that records the notification writes it out (`withAmountsWritten`). Workflow-safe.
 */
import { formatAmount } from '../money.js';

/** An amount a workflow puts in a notification's body, for the recording activity to write in its currency's scale. */
export interface MinorUnits {
  minorUnits: string;
  currency: string;
}

export const inMinorUnits = (minor: string, currency: string): MinorUnits => ({ minorUnits: minor, currency });

const isMinorUnits = (value: object): value is MinorUnits =>
  Object.keys(value).length === 2 &&
  typeof (value as MinorUnits).minorUnits === 'string' &&
  typeof (value as MinorUnits).currency === 'string';

/** A body with every `MinorUnits` in it, at any depth, written as a decimal string in its currency's scale. */
export function withAmountsWritten(value: unknown, scaleOf: (currency: string) => number): unknown {
  if (Array.isArray(value)) return value.map((v) => withAmountsWritten(v, scaleOf));
  if (value === null || typeof value !== 'object') return value;
  if (isMinorUnits(value)) return formatAmount(BigInt(value.minorUnits), scaleOf(value.currency));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withAmountsWritten(v, scaleOf)]));
}
