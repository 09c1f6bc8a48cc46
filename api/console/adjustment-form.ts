/**
 * The console's adjustment forms (a user's balance, custody a reconciliation left unexplained): confirmed, with a
 * currency, a signed amount and a reason, keyed by the one-time key the page put in the form, so that a form sent
 * twice books once.
 */
import type { Context } from 'hono';
import { z } from 'zod';
import type { Currency } from '../../domain/currencies.js';
import type { ApiDeps } from '../context.js';
import { requireAmount, requireCurrency } from '../http/money.js';
import { Confirmed, parseInput } from './forms.js';

const AdjustmentForm = z.object({
  confirm: Confirmed,
  key: z.uuid(),
  currency: z.string().max(10),
  amount: z.string().trim().max(100),
  reason: z.string().trim().min(3).max(500),
});

export interface AdjustmentFormInput {
  currency: Currency;
  amount: bigint;
  reason: string;
  idempotencyKey: string;
}

/** The form's adjustment, and the whole form for what else it names (what is adjusted, when the form says). */
export async function parseAdjustmentForm(
  c: Context,
  deps: Pick<ApiDeps, 'currencies'>,
): Promise<AdjustmentFormInput & { form: Record<string, unknown> }> {
  const form = await c.req.parseBody();
  const { key, currency: code, amount, reason } = parseInput(AdjustmentForm, form);
  const currency = await requireCurrency(deps.currencies, code);
  return {
    currency,
    amount: requireAmount(amount, currency, 'amount', { signed: true }),
    reason,
    idempotencyKey: `console:${key}`,
    form,
  };
}
