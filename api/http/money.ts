/** Turning request fields into currencies and minor units, with errors that name the field. */
import type { Currency } from '../../domain/currencies.js';
import { ErrorCode } from '../../domain/errors.js';
import { formatAmount, parseAmount, type ParseOptions } from '../../domain/money.js';
import type { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { ApiError, invalidField } from './problem.js';

export async function requireCurrency(catalog: CurrencyCatalog, code: string, field = 'currency'): Promise<Currency> {
  const currency = await catalog.get(code);
  if (!currency)
    throw new ApiError(ErrorCode.UnknownCurrency, `unknown currency ${code}`, [
      { path: field, message: `unknown currency ${code}` },
    ]);
  return currency;
}

export function requireAmount(text: string, currency: Currency, field = 'amount', options: ParseOptions = {}): bigint {
  return requireMinorUnits(text, currency.scale, field, `${currency.code} has ${currency.scale} decimal places`, options);
}

/** `text` in minor units at `scale`, or a 400 naming the field and saying what the scale is (`scaleNote`). */
export function requireMinorUnits(
  text: string,
  scale: number,
  field: string,
  scaleNote = `${scale} decimal places`,
  options: ParseOptions = {},
): bigint {
  const parsed = parseAmount(text, scale, options);
  if (!parsed.ok) throw invalidField(field, `${parsed.reason} (${scaleNote})`);
  return parsed.value;
}

export function money(minor: bigint, currency: Pick<Currency, 'scale'>): string {
  return formatAmount(minor, currency.scale);
}
