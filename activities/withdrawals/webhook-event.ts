/**
 * The merchant webhook a withdrawal's end publishes, in the transaction that records that end: `withdrawal.succeeded`
 * when it was paid (or an operator closed it as paid), `withdrawal.failed` for every end that paid nothing. Users
 * without webhook endpoints (all but merchants who set one up) get nothing stored.
 */
import { formatAmount } from '../../domain/money.js';
import type { WithdrawalStatus } from '../../domain/withdrawals/status.js';
import type { Tx } from '../../platform/db/client.js';
import { loadCurrencies } from '../../services/currencies/catalog.js';
import { publishEvent, type WebhookEventType } from '../../services/webhooks/client.js';
import { withdrawalById } from '../../services/withdrawals/store.js';

const FAILED_ENDS: readonly WithdrawalStatus[] = ['rejected', 'cancelled', 'expired'];

function eventType(status: WithdrawalStatus, detail: Record<string, unknown>): WebhookEventType | null {
  if (status === 'succeeded') return 'withdrawal.succeeded';
  if (status === 'closed') return detail.outcome === 'succeeded' ? 'withdrawal.succeeded' : 'withdrawal.failed';
  return FAILED_ENDS.includes(status) ? 'withdrawal.failed' : null;
}

export async function publishWithdrawalEnd(
  tx: Tx,
  id: string,
  status: WithdrawalStatus,
  detail: Record<string, unknown> = {},
): Promise<void> {
  const type = eventType(status, detail);
  if (!type) return;
  const w = (await withdrawalById(tx, id))!;
  const scale = (await loadCurrencies(tx)).find((c) => c.code === w.currency)!.scale;
  const reason = detail.reason ?? detail.note;
  await publishEvent(tx, {
    id: `withdrawal:${id}:${type === 'withdrawal.succeeded' ? 'succeeded' : 'failed'}`,
    merchantId: w.userId,
    type,
    data: {
      withdrawal_id: id,
      status,
      currency: w.currency,
      amount: formatAmount(w.amount, scale),
      fee: formatAmount(w.fee, scale),
      address: w.address,
      destination_tag: w.destinationTag?.toString() ?? null,
      tx_hash: w.txHash,
      reason: typeof reason === 'string' ? reason : null,
    },
  });
}
