/**
 * An XRPL deposit (`deposit:xrpl:<hash>:0`): a validated payment of XRP to the company's deposit address carrying a
 * user's destination tag. A validated XRPL ledger is final, so the deposit is credited at once, exactly once, and the
 * user is told (not of one held, nor of an invoice's payment: an operator's credit, the invoice tells them); one
 * held (below its owner's minimum, above their maximum) shows `held`, in its query and search attribute. The
 * listener or a backfill records the payment and the deposit, then signals-with-start this flow.
 */
import { proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { createDepositActivities } from '../../../activities/deposits/credit.js';
import type { createNotificationActivities } from '../../../activities/notifications/activities.js';
import { formatAmount } from '../../../domain/money.js';
import { XRP_SCALE } from '../../../domain/xrpl-tracking/payments.js';
import { SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { isPatched } from '../../../platform/temporal/versions.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { xrplDepositStatusQuery, xrplPaymentValidatedSignal, type XrplDepositInput, type XrplDepositStatus } from './messages.js';

const { creditDeposit } = proxyActivities<ReturnType<typeof createDepositActivities>>(retryPolicies.bookkeeping);
const { recordNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>(retryPolicies.bookkeeping);

export async function xrplDepositWorkflow(input: XrplDepositInput): Promise<XrplDepositStatus> {
  const status: XrplDepositStatus = {
    state: 'crediting',
    depositId: input.depositId,
    hash: input.hash,
    ledgerIndex: null,
    userId: null,
    amount: null,
  };
  setHandler(xrplPaymentValidatedSignal, (seen) => {
    status.ledgerIndex ??= seen.ledgerIndex;
  });
  setHandler(xrplDepositStatusQuery, () => status);

  // only validated payments are ever recorded as deposits, and a validated ledger never changes: credit now
  const deposit = await creditDeposit(input.depositId);
  const amount = `${formatAmount(BigInt(deposit.amount), XRP_SCALE)} ${deposit.currency}`;
  const state = deposit.status === 'held' ? 'held' : 'credited';
  Object.assign(status, { state, userId: deposit.userId, amount });
  upsertSearchAttributes([{ key: SluiceStatus, value: isPatched('xrpl-deposit-shows-held') ? state : 'credited' }]);

  // a held deposit's owner is told when an operator credits it, an invoice's merchant by the invoice
  const credited = deposit.status === 'credited' && !deposit.invoiceId;
  if (isPatched('xrpl-deposit-told-only-when-credited') && !credited) return status;
  await recordNotification({
    key: `${workflowInfo().workflowId}:credited`,
    userId: deposit.userId,
    kind: 'deposit_credited',
    title: `Deposit of ${amount} credited`,
    body: {
      deposit_id: deposit.id,
      currency: deposit.currency,
      amount: formatAmount(BigInt(deposit.amount), XRP_SCALE),
      chain: deposit.chain,
      tx_hash: input.hash,
    },
  });
  return status;
}
