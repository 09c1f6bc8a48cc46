/**
 * Settings values as operators read and write them (the settings routes and the console's settings forms): amounts as decimal strings in the subject's currency (a pair's
 * amounts are in its base currency), percents as strings, flags and counts as JSON booleans and numbers.
 */
import { z } from '@hono/zod-openapi';
import type { Currency } from '../../domain/currencies.js';
import type { OperationSettings, SettingFields } from '../../domain/settings/fields.js';
import type { SettingValue, SettingValues } from '../../domain/settings/resolve.js';
import type { CurrencyCatalog } from '../../services/currencies/catalog.js';
import type { CurrentRates } from '../../services/rates/client.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { money, requireAmount, requireCurrency } from './money.js';
import { ApiError, invalidField } from './problem.js';

export const SettingValuesView = z
  .record(z.string(), z.union([z.boolean(), z.number(), z.string(), z.null()]))
  .openapi('SettingValues', {
    example: { enabled: true, min_amount: '10.00', daily_limit: null, fee_percent: '0.25' },
    description: 'Only the fields this layer sets; amounts in the currency (a pair: its base), null: no limit',
  });

/**
 * The currency a subject's amounts are in (the currency itself, or a pair's base: `BTC-USDT` → BTC), once the subject is
 * of the operation's kind and known: a pair named as it names itself (`USD-UAH`, not `UAH-USD`). Anything else is a 400
 * naming `subject` (`unknown_currency`, `unknown_pair`), so no layer is kept for a subject nothing ever resolves.
 */
export async function subjectCurrency(
  deps: { currencies: CurrencyCatalog; rates: Pick<CurrentRates, 'pairBetween'> },
  settings: Pick<OperationSettings<unknown>, 'subject'>,
  subject: string,
): Promise<Currency> {
  const [base, quote] = subject.split('-') as [string, string | undefined];
  if (settings.subject === 'currency') {
    if (quote !== undefined)
      throw new ApiError(ErrorCode.UnknownCurrency, `${subject} is not a currency`, [
        { path: 'subject', message: 'must be a currency code: the operation is set per currency' },
      ]);
    return requireCurrency(deps.currencies, subject, 'subject');
  }
  const pair = quote === undefined ? null : await deps.rates.pairBetween(base, quote);
  if (pair?.code !== subject)
    throw new ApiError(ErrorCode.UnknownPair, `unknown pair ${subject}`, [
      { path: 'subject', message: 'must be a pair such as "USD-UAH": the operation is set per pair' },
    ]);
  return requireCurrency(deps.currencies, pair.base, 'subject');
}

export function showValues(fields: SettingFields, values: SettingValues, currency: Currency): SettingValues {
  return Object.fromEntries(
    Object.entries(values).map(([field, value]) => {
      const kind = fields[field];
      const amount = (kind === 'amount' || kind === 'limit') && typeof value === 'string';
      return [field, amount ? money(BigInt(value), currency) : value];
    }),
  );
}

/** Amounts to minor units (errors name the field); the other kinds are checked by the domain when stored. */
export function readValues(fields: SettingFields, body: Record<string, SettingValue>, currency: Currency): SettingValues {
  return Object.fromEntries(
    Object.entries(body).map(([field, value]) => {
      const kind = fields[field];
      if (kind !== 'amount' && kind !== 'limit') return [field, value];
      if (value === null && kind === 'limit') return [field, null];
      if (typeof value !== 'string') throw invalidField(field, 'must be a decimal string such as "12.50"');
      return [field, requireAmount(value, currency, field, { allowZero: kind === 'amount' }).toString()];
    }),
  );
}

/**
 * Reads and saves a `{ "values": { … } }` body: readValues and the settings service name a refused field alone (as the
 * console's form does), and this body holds it at `values.<field>`, so that is the name its refusal gives.
 */
export async function underValues<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    const refused = error instanceof ApiError || error instanceof DomainError;
    if (!refused || error.code !== ErrorCode.ValidationFailed || error.issues.length === 0) throw error;
    const issues = error.issues.map((i) => ({ ...i, path: `values.${i.path}` }));
    throw new ApiError(error.code, issues.map((i) => `${i.path} ${i.message}`).join('; '), issues);
  }
}
