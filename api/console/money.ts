/** Amounts as operators read them: the currency's decimal string (never a float) and its code. */
import type { Currency } from '../../domain/currencies.js';
import type { ApiDeps } from '../context.js';
import { money } from '../http/money.js';

export type Amounts = (minor: bigint, currency: string) => string;

/** A formatter over the catalog as it is now (one read per page, not per row). */
export async function amounts(deps: ApiDeps): Promise<Amounts> {
  const byCode = new Map<string, Currency>((await deps.currencies.all()).map((c) => [c.code, c]));
  return (minor, code) => {
    const currency = byCode.get(code);
    return currency ? `${money(minor, currency)} ${code}` : `${minor} (minor units) ${code}`;
  };
}
