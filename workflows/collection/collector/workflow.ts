/**
 * Retired: the collector of one deposit wallet (`collect:<chain>:<address>`), replaced by the chain's sweeper
 * (workflows/collection/sweeper), which sweeps many wallets per tick. It stays registered only so that collectors
 * running when the sweeper shipped finish: such a collector replays its recorded history as before, and at its first
 * new step (patch `evm-collector-retired`) hands its wallet to the sweeper and ends. Its sweep's state is in the
 * database, so the sweeper carries it on from there (a sweep stored is never signed again). Nothing starts a
 * collector any more; delete this file, its messages and both collector patches once none runs (an idle collector
 * ended within 2 minutes).
 * What it did, for the histories it replays: sweep every currency worth sweeping, tokens first:
 *   token:  estimate gas → ask the gas keeper for it → wait for the funding to be mined → sweep → wait → record
 *   native: sweep the balance less the fee → wait → record
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { transactionConfirmedSignal } from '../../evm-sends/messages.js';
import { Currency, SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { isPatched } from '../../../platform/temporal/versions.js';
import { sweeperWorkflowId, walletsCreditedSignal } from '../sweeper/messages.js';
import { collectorStatusQuery, walletCreditedSignal, type CollectorInput, type CollectorStatus } from './messages.js';

/** The steps its histories scheduled, by name; none runs any more (a collector hands over before its next step). */
interface CollectorSteps {
  planSweeps(wallet: CollectorInput): Promise<Array<{ id: string; currency: string }>>;
  prepareSweep(id: string): Promise<{ status: string; needsFunding: boolean }>;
  requestGasFunding(id: string): Promise<void>;
  gasFundingState(id: string): Promise<'queued' | 'sent' | 'mined' | 'confirmed'>;
  sendSweep(id: string): Promise<{ status: 'sent' | 'cancelled' }>;
  sweepConfirmed(id: string): Promise<boolean>;
  recordSweep(id: string): Promise<void>;
}
const remoteSteps = proxyActivities<CollectorSteps>(retryPolicies.sweepStep);
const localSteps = proxyLocalActivities<CollectorSteps>(retryPolicies.localSweepStep);

const CONFIRMATION_POLL = '15 seconds';
const IDLE_TIMEOUT = '2 minutes';

/** Thrown at the first step a replay did not record: the collector hands its wallet to the sweeper. */
class HandedOver extends Error {}

export async function evmCollectorWorkflow(input: CollectorInput): Promise<CollectorStatus> {
  const steps = isPatched('evm-collector-local-steps') ? localSteps : remoteSteps;
  const status: CollectorStatus = { state: 'planning', sweep: null, sweepsFinished: 0 };
  let wakeups = 0;
  let confirmations = 0;
  setHandler(walletCreditedSignal, () => void wakeups++);
  setHandler(transactionConfirmedSignal, () => void confirmations++);
  setHandler(collectorStatusQuery, () => status);

  /** Each step as recorded, unless this is new work: that is the sweeper's now. */
  const step = <K extends keyof CollectorSteps>(name: K): CollectorSteps[K] =>
    ((...args: never[]) => {
      if (isPatched('evm-collector-retired')) throw new HandedOver();
      return (steps[name] as (...a: never[]) => unknown)(...args);
    }) as CollectorSteps[K];

  const setState = (state: CollectorStatus['state']) => {
    status.state = state;
    upsertSearchAttributes([{ key: SluiceStatus, value: state }]);
  };

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
    const prepared = await step('prepareSweep')(sweepId);
    if (prepared.status === 'cancelled') return;
    if (prepared.needsFunding) {
      setState('funding');
      await waitFor(async () => {
        const funding = await step('gasFundingState')(sweepId);
        if (funding === 'queued') await step('requestGasFunding')(sweepId);
        return funding !== 'queued' && funding !== 'sent';
      });
    }
    setState('sweeping');
    const sent = await step('sendSweep')(sweepId);
    if (sent.status === 'cancelled') return;
    await waitFor(async () => await step('sweepConfirmed')(sweepId));
    await step('recordSweep')(sweepId);
    status.sweepsFinished++;
  };

  try {
    for (;;) {
      const handled = wakeups;
      setState('planning');
      const plan = await step('planSweeps')(input);
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
  } catch (error) {
    if (!(error instanceof HandedOver)) throw error;
    // the sweeper plans the wallet and carries its open sweep on; without this signal (a sweeper not running) its
    // look for missed wallets finds it
    await getExternalWorkflowHandle(sweeperWorkflowId(input.chain))
      .signal(walletsCreditedSignal, { addresses: [input.address] })
      .catch(() => undefined);
    status.sweep = null;
    setState('idle');
    return status;
  }
}
