/**
 * An XRPL deposit (`deposit:xrpl:<hash>:0`): a validated payment of XRP to the company's deposit address carrying a
 * user's destination tag. A validated XRPL ledger is final, so the deposit is credited at once, exactly once, and the
 * user is told (not of one held, nor of an invoice's payment: an operator's credit, the invoice tells them); one
 * held (below its owner's minimum, above their maximum) shows `held`, in its query and search attribute, and ends,
 * leaving nothing open: its credit (an operator's, or a later deposit's releasing it) runs it again under its ID,
 * reading the row, and that run shows `credited`; a deposit whose credit released held ones tells them so, a page at a
 * time. The listener or a backfill records the payment and the deposit, then signals-with-start this flow.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createDepositActivities, DepositView } from '../../../activities/deposits/credit.js';
import type { createNotificationActivities } from '../../../activities/notifications/activities.js';
import { formatAmount } from '../../../domain/money.js';
import { XRP_SCALE } from '../../../domain/xrpl-tracking/payments.js';
import { SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { isPatched } from '../../../platform/temporal/versions.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { runIsLong } from '../../../platform/temporal/run-length.js';
import {
  xrplDepositCreditedSignal,
  xrplDepositStatusQuery,
  xrplPaymentValidatedSignal,
  type XrplDepositInput,
  type XrplDepositStatus,
} from './messages.js';

const { creditDeposit, loadDeposit } = proxyActivities<ReturnType<typeof createDepositActivities>>(retryPolicies.bookkeeping);
const { tellReleasedDeposits } = proxyActivities<ReturnType<typeof createDepositActivities>>(retryPolicies.releasedDepositsPage);
const { recordNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>(retryPolicies.bookkeeping);

/** A waiting run's look at its row (runs from before `xrpl-deposit-held-run-ends`): a lost signal, a release. */
const HELD_LOOK_INTERVAL = '1 hour';

export async function xrplDepositWorkflow(input: XrplDepositInput): Promise<XrplDepositStatus> {
  const status: XrplDepositStatus = {
    state: 'crediting',
    depositId: input.depositId,
    hash: input.hash,
    ledgerIndex: null,
    userId: null,
    amount: null,
  };
  let creditHeard = false;
  setHandler(xrplPaymentValidatedSignal, (seen) => {
    status.ledgerIndex ??= seen.ledgerIndex;
  });
  setHandler(xrplDepositCreditedSignal, () => {
    creditHeard = true;
  });
  setHandler(xrplDepositStatusQuery, () => status);

  // only validated payments are ever recorded as deposits, and a validated ledger never changes: credit now
  let deposit = input.heldBefore ? await loadDeposit(input.depositId) : await creditDeposit(input.depositId);
  show(status, deposit);
  if (deposit.released && isPatched('xrpl-deposit-tells-released-in-pages')) {
    // the held deposits its credit released hear of it a page per activity: thousands are told without one activity
    // running past its timeout, and a retry tells only what is left. A credit that released none (the usual one) costs
    // no activity; one retried after its commit (answering none) leaves them to the worker's sweep
    let more = true;
    while (more) more = await tellReleasedDeposits(input.depositId);
  }

  if (deposit.status === 'held' && isPatched('xrpl-deposit-held-run-ends')) {
    // it ends held: a run and an hourly timer kept open per held deposit let one-drop payments load the cluster. Its
    // credit runs it again (services/deposits/client.ts), unless its signal reached this run first: read it now
    while (deposit.status === 'held' && creditHeard) {
      creditHeard = false;
      deposit = await loadDeposit(input.depositId);
      show(status, deposit);
    }
  } else if (deposit.status === 'held' && (input.heldBefore || isPatched('xrpl-deposit-follows-held-credit'))) {
    // a run from before waits while held for its credit, read from the row, never credited here (an operator's credit
    // converts nothing); one still waiting ends held at its next look
    while (deposit.status === 'held') {
      if (isPatched('xrpl-deposit-held-run-ends')) return status;
      if (runIsLong(input.runHistoryLimit)) {
        await condition(allHandlersFinished);
        return continueAsNew<typeof xrplDepositWorkflow>({ ...input, heldBefore: true });
      }
      await condition(() => creditHeard, HELD_LOOK_INTERVAL);
      creditHeard = false;
      deposit = await loadDeposit(input.depositId);
    }
    show(status, deposit);
  }

  // a held deposit's owner is told when an operator credits it, an invoice's merchant by the invoice
  const credited = deposit.status === 'credited' && !deposit.invoiceId;
  if (isPatched('xrpl-deposit-told-only-when-credited') && !credited) return status;
  await recordNotification({
    key: `${workflowInfo().workflowId}:credited`,
    userId: deposit.userId,
    kind: 'deposit_credited',
    title: `Deposit of ${status.amount} credited`,
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

/** The deposit's state in the query and the search attribute. */
function show(status: XrplDepositStatus, deposit: DepositView): void {
  const state = deposit.status === 'held' ? 'held' : 'credited';
  Object.assign(status, {
    state,
    userId: deposit.userId,
    amount: `${formatAmount(BigInt(deposit.amount), XRP_SCALE)} ${deposit.currency}`,
  });
  upsertSearchAttributes([{ key: SluiceStatus, value: isPatched('xrpl-deposit-shows-held') ? state : 'credited' }]);
}
