/**
 * Bet event `bet-event:<id>`: keeps the book open until the deadline, waits for the result, then settles every bet on
 * the event a page at a time and tells the operators. Started when the event is created; a state change signals it,
 * and it also looks at the event on a timer, so a lost signal delays settlement and never blocks it.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createBetActivities } from '../../activities/betting/activities.js';
import type { createNotificationActivities } from '../../activities/notifications/activities.js';
import {
  initialProgress,
  isOutcome,
  type BetTally,
  type EventSnapshot,
  type SettlementPhase,
  type SettlementProgress,
} from '../../domain/betting/events.js';
import { inMinorUnits } from '../../domain/notifications/amounts.js';
import { SluiceStatus } from '../../platform/temporal/search-attributes.js';
import { retryPolicies } from '../../platform/temporal/retry-policies.js';
import { runIsLongSince } from '../../platform/temporal/run-length.js';
import {
  betEventChangedSignal,
  betSettlementProgressQuery,
  DEFAULT_PAGE_SIZE,
  DEFAULT_POLL_INTERVAL_MS,
  type BetEventInput,
} from './messages.js';

type BetActivities = ReturnType<typeof createBetActivities>;

const { loadBetEvent, closeBetting, finishSettlement } = proxyActivities<BetActivities>(retryPolicies.bookkeeping);
const { settleBetPage } = proxyActivities<BetActivities>(retryPolicies.settlementPage);
const { recordNotification } = proxyActivities<ReturnType<typeof createNotificationActivities>>(retryPolicies.bookkeeping);

/** How long an event the workflow was started for may take to appear (the API's transaction committing). */
const EVENT_APPEARS_WITHIN_MS = 5 * 60_000;

export async function betEventWorkflow(input: BetEventInput): Promise<SettlementProgress> {
  const { eventId } = input;
  const pollIntervalMs = input.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const pageSize = input.pageSize ?? DEFAULT_PAGE_SIZE;
  let progress = input.progress ?? initialProgress(eventId);
  let changed = false;
  setHandler(betSettlementProgressQuery, () => progress);
  setHandler(betEventChangedSignal, () => {
    changed = true;
  });

  const enter = (phase: SettlementPhase, more: Partial<SettlementProgress> = {}) => {
    progress = { ...progress, ...more, phase };
    upsertSearchAttributes([{ key: SluiceStatus, value: phase }]);
  };
  const continueAsNewSuggested = () => workflowInfo().continueAsNewSuggested;
  // between looks or pages, nothing in flight: the progress goes on in the next run
  const runIsLong = () => runIsLongSince('bet-event-continues-as-new-bounded', input.runHistoryLimit);
  const carryOn = async (): Promise<never> => {
    await condition(allHandlersFinished);
    return continueAsNew<typeof betEventWorkflow>({ ...input, progress });
  };

  if (progress.phase === 'open' || progress.phase === 'closed') {
    let event = await firstLook(eventId);
    if (!event) {
      // the transaction that started this workflow rolled back: there is no event and no bet
      log.warn('the event never appeared; nothing to settle', { eventId });
      upsertSearchAttributes([{ key: SluiceStatus, value: 'no-event' }]);
      return progress;
    }
    while (!isOutcome(event.state)) {
      if (progress.phase === 'open' && (event.bookClosed || Date.now() >= event.deadlineMs)) {
        if (!event.bookClosed) event = await closeBetting(eventId);
        enter('closed');
        continue;
      }
      const untilDeadline = progress.phase === 'open' ? event.deadlineMs - Date.now() : pollIntervalMs;
      await condition(() => changed || continueAsNewSuggested(), Math.min(pollIntervalMs, untilDeadline));
      if (runIsLong()) await carryOn();
      // cleared before looking, not after: a signal that arrives while the look is under way must cause another
      changed = false;
      event = (await loadBetEvent(eventId))!;
    }
    enter('settling', { outcome: event.state, settlingSince: new Date().toISOString() });
  }

  if (progress.phase === 'settling') {
    for (;;) {
      const page = await settleBetPage({ eventId, limit: pageSize });
      progress = { ...progress, outcome: page.outcome, pages: progress.pages + 1, tally: page.tally };
      if (page.tally.pending === 0) break;
      // bets still locked by an earlier attempt of this activity: give it a moment to commit
      if (page.settled === 0) await sleep('1 second');
      if (runIsLong()) await carryOn();
    }
    const tally = await finishSettlement(eventId);
    await recordNotification({
      key: `bet-event:${eventId}:settled`,
      userId: null,
      kind: 'bet_event_settled',
      title: `Event #${eventId} settled (${progress.outcome}): ${tally.won} won, ${tally.lost} lost, ${tally.refunded} refunded`,
      body: { event_id: eventId, outcome: progress.outcome, tally: { ...tally, currencies: tally.currencies.map(amountsOf) } },
    });
    enter('settled', { tally, settledAt: new Date().toISOString() });
  }
  return progress;
}

/** A currency's stakes and payouts, for the recording activity to write in the currency's scale. */
const amountsOf = ({ currency, staked, paidOut }: BetTally['currencies'][number]) => ({
  currency,
  staked: inMinorUnits(staked, currency),
  paidOut: inMinorUnits(paidOut, currency),
});

/** The event, once the transaction that created it has committed; null if it never does. */
async function firstLook(eventId: string): Promise<EventSnapshot | null> {
  for (;;) {
    const event = await loadBetEvent(eventId);
    if (event) return event;
    if (Date.now() - workflowInfo().runStartTime.getTime() > EVENT_APPEARS_WITHIN_MS) return null;
    await sleep('2 seconds');
  }
}
