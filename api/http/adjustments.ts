/** What an operator's adjustment answers with, whatever it adjusted (a user's balance, custody): each adds its own. */
import { z } from '@hono/zod-openapi';
import type { Currency } from '../../domain/currencies.js';
import { money } from './money.js';

export const AdjustmentFields = z.object({
  id: z.string(),
  currency: z.string(),
  amount: z.string(),
  reason: z.string(),
  operator_id: z.string(),
  created_at: z.string(),
});

/** `posted`: the adjustment's journal entry and its amount as the adjusted account saw it (positive: it grew). */
export function adjustmentFields(
  posted: { record: { id: string; currency: string; metadata: Record<string, unknown>; createdAt: Date }; amount: bigint },
  currency: Pick<Currency, 'scale'>,
): z.infer<typeof AdjustmentFields> {
  const { record } = posted;
  return {
    id: record.id,
    currency: record.currency,
    amount: money(posted.amount, currency),
    reason: String(record.metadata.reason),
    operator_id: String(record.metadata.operator_id),
    created_at: record.createdAt.toISOString(),
  };
}
