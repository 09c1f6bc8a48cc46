/**
 * The gas keeper of a chain (`gas-keeper:<chain>`): the only writer of the gas keeper wallet. Collectors' sweeps wait
 * for gas in the database and the collectors signal it (an Update queues a request in its state, as before); each tick
 * sends all it can pay for in one batch (its nonces reserved in order, none waiting for another's receipt), resubmits
 * with higher fees what is not mined in time, and watches its balance on a timer: below the threshold it raises an
 * alert (log, operator notification, SluiceStatus `low-balance`) and holds requests it cannot pay until topped up.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createGasKeeperActivities, GasKeeperReport } from '../../../activities/collection/gas-keeper.js';
import type { createNotificationActivities } from '../../../activities/notifications/activities.js';
import { inMinorUnits } from '../../../domain/notifications/amounts.js';
import { SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { runIsLongSince } from '../../../platform/temporal/run-length.js';
import {
  fundGasUpdate,
  gasFundingWantedSignal,
  gasKeeperStatusQuery,
  type GasKeeperInput,
  type GasKeeperState,
} from './messages.js';

const { gasKeeperTick } = proxyActivities<ReturnType<typeof createGasKeeperActivities>>(retryPolicies.gasKeeperTick);
const { recordNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>(retryPolicies.evmBookkeeping);

const RECENT_LIMIT = 2_000;
const WEI = /^[1-9]\d{0,40}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export async function gasKeeperWorkflow(input: GasKeeperInput): Promise<void> {
  const state: GasKeeperState = input.state ?? {
    queue: [],
    recent: [],
    low: false,
    lowIncidents: 0,
    balance: null,
    committed: null,
    checkedAt: null,
    openSends: 0,
    settings: input.settings,
  };
  let address: string | null = null;
  let statusShown: string | null = null;
  let received = 0;

  setHandler(gasKeeperStatusQuery, () => {
    const { recent: _, ...rest } = state;
    return { ...rest, address };
  });
  // the requests are in the database; the tick reads them (a handler adds no command: histories replay as before)
  setHandler(gasFundingWantedSignal, () => void received++);
  setHandler(
    fundGasUpdate,
    (request) => {
      if (state.recent.includes(request.requestId)) return { requestId: request.requestId, duplicate: true };
      state.queue.push(request);
      received++;
      state.recent.push(request.requestId);
      if (state.recent.length > RECENT_LIMIT) state.recent.splice(0, state.recent.length - RECENT_LIMIT);
      return { requestId: request.requestId, duplicate: false };
    },
    {
      validator: (request) => {
        if (!request.requestId || request.requestId.length > 200) throw new Error('requestId must have 1 to 200 characters');
        if (!ADDRESS.test(request.to)) throw new Error('to must be a 0x-prefixed 20-byte address');
        if (!WEI.test(request.amount)) throw new Error('amount must be a positive whole number of wei');
        if (BigInt(request.amount) > BigInt(state.settings.maxFunding)) {
          throw new Error(`amount exceeds the most the gas keeper sends at once (${state.settings.maxFunding} wei)`);
        }
      },
    },
  );

  for (;;) {
    const heard = received; // requests arriving while the tick runs wake the next one at once
    const report = await gasKeeperTick({ chain: input.chain, queue: state.queue });
    address = report.address;
    state.settings = report.settings;
    state.balance = report.balance;
    state.committed = report.committed;
    state.checkedAt = report.checkedAt;
    state.openSends = report.openSends;
    const sent = new Set(report.sent);
    state.queue = state.queue.filter((r) => !sent.has(r.requestId));
    state.waiting = report.waiting ?? [];

    if (report.low && !state.low) {
      state.low = true;
      state.lowIncidents++;
      log.warn('gas keeper balance below threshold', { balance: report.balance, threshold: report.settings.minBalance });
      await recordNotification({
        key: `${workflowInfo().workflowId}:low:${state.lowIncidents}`,
        userId: null,
        kind: 'gas_keeper_low',
        severity: 'warning',
        title: `Gas keeper on ${input.chain} is below its minimum balance`,
        body: { chain: input.chain, address: report.address, ...balanceOf(report), queued: state.queue.length },
      });
    } else if (!report.low && state.low) {
      state.low = false;
      log.info('gas keeper topped up', { balance: report.balance });
      await recordNotification({
        key: `${workflowInfo().workflowId}:low:${state.lowIncidents}:recovered`,
        userId: null,
        kind: 'gas_keeper_recovered',
        severity: 'info',
        title: `Gas keeper on ${input.chain} is topped up`,
        body: { chain: input.chain, address: report.address, ...balanceOf(report) },
      });
    }
    const shown = state.low ? 'low-balance' : 'ok';
    if (shown !== statusShown) {
      upsertSearchAttributes([{ key: SluiceStatus, value: shown }]);
      statusShown = shown;
    }

    // between ticks, nothing in flight: the queue it could not pay for yet and its alert go on in the next run
    if (runIsLongSince('gas-keeper-continues-as-new-bounded', input.runHistoryLimit)) {
      await condition(allHandlersFinished);
      return continueAsNew<typeof gasKeeperWorkflow>({ ...input, settings: state.settings, state });
    }
    // a new request is served at once; what the balance cannot pay yet waits for the next balance check
    await condition(() => received > heard, `${state.settings.pollSeconds} seconds`);
  }
}

/**
 * The keeper's balance and threshold in an alert, named in wei with the native currency for the recording activity to
 * write in its scale (a report from before the tick named the currency leaves them in wei).
 */
function balanceOf({ balance, currency, settings }: GasKeeperReport) {
  if (currency === undefined) return { balance, threshold: settings.minBalance };
  return { currency, balance: inMinorUnits(balance, currency), threshold: inMinorUnits(settings.minBalance, currency) };
}
