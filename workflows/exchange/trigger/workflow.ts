/**
 * Trigger order `trigger:<id>` (one leg, or an OCO's two under one hold): its funds are held from creation; it waits
 * until the engine process's trigger book fires it (a signal, sent only to triggers that fire, naming the leg; or a
 * failed signal when the order it fired was refused and its hold released) or its owner cancels it (an Update: the
 * hold is released, an OCO's two legs with it). It also looks at its row on a timer,
 * so a lost signal delays what it shows and never strands it. A trigger may wait for weeks: a long run continues as new.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { createExchangeActivities } from '../../../activities/exchange/activities.js';
import { SluiceStatus } from '../../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../../platform/temporal/retry-policies.js';
import { runIsLong } from '../../../platform/temporal/run-length.js';
import { isPatched } from '../../../platform/temporal/versions.js';
import {
  cancelTriggerUpdate,
  DEFAULT_TRIGGER_POLL_MS,
  triggerFailedSignal,
  triggerFiredSignal,
  triggerStateQuery,
  type TriggerInput,
  type TriggerState,
} from './messages.js';

const { cancelTriggerOrder, loadTriggerState } = proxyActivities<ReturnType<typeof createExchangeActivities>>(
  retryPolicies.bookkeeping,
);

export async function triggerOrderWorkflow(input: TriggerInput): Promise<TriggerState> {
  let state: TriggerState = { triggerId: input.triggerId, status: 'pending', orderId: null };
  const settle = (next: TriggerState) => {
    state = next;
    upsertSearchAttributes([{ key: SluiceStatus, value: state.status }]);
    return state;
  };
  setHandler(triggerStateQuery, () => state);
  setHandler(triggerFiredSignal, ({ orderId, leg }) => {
    if (state.status === 'pending') settle({ ...state, status: 'fired', orderId, ...(leg ? { firedLeg: leg } : {}) });
  });
  // a new signal only: histories recorded before it never got one, so they replay the same commands
  setHandler(triggerFailedSignal, ({ reason }) => {
    if (state.status === 'pending') settle({ ...state, status: 'failed', failureReason: reason });
  });
  // one cancel at a time: a second sent while the first is under way would find the row cancelled by the first and
  // be answered as if it had cancelled it (only the first did); it is refused, as one sent after the first is
  let cancelling = false;
  setHandler(
    cancelTriggerUpdate,
    // the row decides: a trigger that fired an instant ago stays fired, and the caller sees so
    async (request: { by: string }) => {
      cancelling = true;
      try {
        return settle(await cancelTriggerOrder({ triggerId: input.triggerId, by: request.by }));
      } finally {
        cancelling = false;
      }
    },
    {
      validator: (_request: { by: string }) => {
        if (state.status !== 'pending') throw new Error(`the trigger is ${state.status}`);
        if (cancelling) throw new Error('the trigger is being cancelled');
      },
    },
  );

  while (state.status === 'pending') {
    if (await condition(() => state.status !== 'pending', input.pollIntervalMs ?? DEFAULT_TRIGGER_POLL_MS)) break;
    const stored = await loadTriggerState({ triggerId: input.triggerId });
    if (stored.status !== 'pending' && state.status === 'pending') settle(stored);
    // a pending trigger has nothing to carry but its input; a cancel under way decides first whether it still is
    if (state.status === 'pending' && runIsLong(input.runHistoryLimit) && isPatched('trigger-continues-as-new')) {
      await condition(allHandlersFinished);
      if (state.status === 'pending') return continueAsNew<typeof triggerOrderWorkflow>(input);
    }
  }
  return state;
}
