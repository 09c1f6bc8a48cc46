/**
 * An EVM deposit (`deposit:<chain>:<tx>:<key>`: a native transfer's index, a token transfer's `<token>:<to>:<rank>`).
 * The listener credits a deposit in the transaction that records its confirming block and wakes its wallet's collector;
 * it starts this workflow, with the final state, only when something is left: converting the credited deposit,
 * crediting one the listener could not, or a drop. (Deposits seen before that change started it on first sight: it
 * waits for the final word, with polling as the fallback.) A deposit whose block left the chain before it was confirmed
 * is never credited.
 */
import { condition, proxyActivities, proxyLocalActivities, setHandler, upsertSearchAttributes } from '@temporalio/workflow';
import type { createDepositActivities } from '../../../activities/deposits/credit.js';
import type { createEvmDepositActivities } from '../../../activities/deposits/evm.js';
import { SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { isPatched } from '../../../platform/temporal/versions.js';
import { depositObservedSignal, evmDepositStatusQuery, type EvmDepositInput, type EvmDepositStatus } from './messages.js';

type EvmDepositActivities = ReturnType<typeof createEvmDepositActivities>;
const { creditDeposit } = proxyActivities<ReturnType<typeof createDepositActivities>>(retryPolicies.evmBookkeeping);
const { depositObservation, wakeCollector } = proxyActivities<EvmDepositActivities>(retryPolicies.evmBookkeeping);
const { settleEvmDeposit } = proxyLocalActivities<EvmDepositActivities>(retryPolicies.evmLocalBookkeeping);

/** How long to wait for a signal before asking the database; the listener's signals make this the slow path. */
const POLL_INTERVAL = '30 seconds';

export async function evmDepositWorkflow(input: EvmDepositInput): Promise<EvmDepositStatus> {
  const status: EvmDepositStatus = { state: 'confirming', confirmations: 0 };
  let finals = 0; // signals saying confirmed or dropped: each is a reason to read the record again
  setHandler(depositObservedSignal, (observed) => {
    status.confirmations = Math.max(status.confirmations, observed.confirmations);
    if (observed.state !== 'seen') finals++;
  });
  setHandler(evmDepositStatusQuery, () => status);

  if (isPatched('evm-deposit-settle-in-one-step')) return settleOnFinalWord(input, status, () => finals);

  for (;;) {
    const heard = finals; // counted before reading, so a signal arriving during the read is not missed
    const observation = await depositObservation(input.depositId);
    status.confirmations = Math.max(status.confirmations, observation.confirmations);
    if (observation.state === 'confirmed') break;
    if (observation.state === 'dropped') {
      status.state = 'dropped';
      upsertSearchAttributes([{ key: SluiceStatus, value: 'dropped' }]);
      // the collector may have been waiting for this deposit to settle
      await wakeCollector({ chain: input.chain, address: input.address });
      return status;
    }
    await condition(() => finals > heard, POLL_INTERVAL);
  }

  await creditDeposit(input.depositId);
  status.state = 'credited';
  upsertSearchAttributes([{ key: SluiceStatus, value: 'credited' }]);
  await wakeCollector({ chain: input.chain, address: input.address });
  return status;
}

/**
 * Waits for the listener's word that the deposit is final (confirmed or dropped), or the polling interval, then lets
 * one local activity read the record and act on it: credit and wake the collector, or only wake it. The record, not
 * the signal, decides, so a late or repeated signal changes nothing. One workflow task on first sight, one to settle.
 */
async function settleOnFinalWord(
  input: EvmDepositInput,
  status: EvmDepositStatus,
  finals: () => number,
): Promise<EvmDepositStatus> {
  let heard = 0;
  for (;;) {
    await condition(() => finals() > heard, POLL_INTERVAL);
    heard = finals(); // counted before reading, so a signal arriving during the read is not missed
    const settled = await settleEvmDeposit({ depositId: input.depositId, chain: input.chain, address: input.address });
    status.confirmations = Math.max(status.confirmations, settled.confirmations);
    if (settled.state !== 'confirming') {
      status.state = settled.state;
      upsertSearchAttributes([{ key: SluiceStatus, value: settled.state }]);
      return status;
    }
  }
}
