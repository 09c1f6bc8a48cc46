/**
 * The collector of one deposit wallet (`collect:<chain>:<address>`): the only workflow that sends from the wallet,
 * so two sweeps of it never race on its nonce. Woken when a deposit to the wallet is credited (or dropped), it
 * sweeps every currency worth sweeping to the cold wallet, tokens first:
 *   token:  estimate gas → ask the gas keeper for it → wait for the funding to be mined → sweep → wait → record
 *   native: sweep the balance less the fee → wait → record
 * Every step is an idempotent activity on the sweep's record, so a crash anywhere resumes without sending twice.
 * It finishes when it has been idle a while; the next deposit starts it again.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createEvmCollectorActivities } from '../../../activities/collection/collector/activities.js';
import { transactionConfirmedSignal } from '../../evm-sends/messages.js';
import { Currency, SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { isPatched } from '../../../platform/temporal/versions.js';
import { collectorStatusQuery, walletCreditedSignal, type CollectorInput, type CollectorStatus } from './messages.js';

type CollectorActivities = ReturnType<typeof createEvmCollectorActivities>;
const remoteSteps = proxyActivities<CollectorActivities>(retryPolicies.sweepStep);
/**
 * Every step is idempotent on the sweep's record, so it may run as a local activity: the steps between two waits
 * (plan, prepare, ask for gas; or check the funding, send) then take one workflow task instead of one each.
 */
const localSteps = proxyLocalActivities<CollectorActivities>(retryPolicies.localSweepStep);

/** Waiting for our own transactions: the listener signals confirmations; this is the fallback. */
const CONFIRMATION_POLL = '15 seconds';
/** A collector with nothing to do finishes after this; a credited deposit starts it again. */
const IDLE_TIMEOUT = '2 minutes';

export async function evmCollectorWorkflow(input: CollectorInput): Promise<CollectorStatus> {
  const activities = isPatched('evm-collector-local-steps') ? localSteps : remoteSteps;
  const status: CollectorStatus = { state: 'planning', sweep: null, sweepsFinished: 0 };
  let wakeups = 0;
  let confirmations = 0;
  setHandler(walletCreditedSignal, () => void wakeups++);
  setHandler(transactionConfirmedSignal, () => void confirmations++);
  setHandler(collectorStatusQuery, () => status);

  const setState = (state: CollectorStatus['state']) => {
    status.state = state;
    upsertSearchAttributes([{ key: SluiceStatus, value: state }]);
  };

  /** Until `check` says done: ask, then wait for a confirmation signal or the polling interval. */
  const waitFor = async (check: () => Promise<boolean>) => {
    for (;;) {
      const seen = confirmations;
      if (await check()) return;
      await condition(() => confirmations > seen, CONFIRMATION_POLL);
    }
  };

  const sweep = async (sweepId: string, currency: string) => {
    status.sweep = { id: sweepId, currency };
    upsertSearchAttributes([{ key: Currency, value: currency }]);
    const prepared = await activities.prepareSweep(sweepId);
    if (prepared.status === 'cancelled') return;
    if (prepared.needsFunding) {
      setState('funding');
      await waitFor(async () => {
        const funding = await activities.gasFundingState(sweepId);
        // asked again while not sent: harmless (the keeper answers a known request), and a restarted keeper hears it
        if (funding === 'queued') await activities.requestGasFunding(sweepId);
        // 'mined' now; recorded histories hold 'confirmed', the same go-ahead
        return funding !== 'queued' && funding !== 'sent';
      });
    }
    setState('sweeping');
    const sent = await activities.sendSweep(sweepId);
    if (sent.status === 'cancelled') return;
    await waitFor(async () => await activities.sweepConfirmed(sweepId));
    await activities.recordSweep(sweepId);
    status.sweepsFinished++;
  };

  for (;;) {
    const handled = wakeups;
    setState('planning');
    const plan = await activities.planSweeps(input);
    for (const s of plan) await sweep(s.id, s.currency);
    status.sweep = null;
    setState('idle');

    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof evmCollectorWorkflow>(input);
    }
    if (!(await condition(() => wakeups > handled, IDLE_TIMEOUT))) {
      await condition(allHandlersFinished);
      return status;
    }
  }
}
