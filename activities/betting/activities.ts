/** Activities of the bet event workflow: look at the event, close its book, settle its bets a page at a time. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { closeBook, markSettled, betEventById, type BetEvent } from '../../services/betting/events-store.js';
import { NotSettleable, settleBetPage, type SettledPage } from '../../services/betting/settlement.js';
import { settlementTally } from '../../services/betting/bets-store.js';
import type { Sql } from '../../platform/db/client.js';
import type { BetTally, EventSnapshot } from '../../domain/betting/events.js';
import { ErrorCode } from '../../domain/errors.js';
import type { Logger } from '../../platform/log.js';

const HEARTBEAT_MS = 5_000;

const snapshot = (e: BetEvent): EventSnapshot => ({
  eventId: e.id,
  title: e.title,
  state: e.state,
  deadlineMs: e.deadline.getTime(),
  bookClosed: e.bookClosedAt !== null,
});

export function createBetActivities(deps: { sql: Sql; log: Logger }) {
  return {
    /** Null while the event is not there: the API starts the workflow inside the transaction that inserts it. */
    async loadBetEvent(eventId: string): Promise<EventSnapshot | null> {
      const event = await betEventById(deps.sql, eventId);
      return event && snapshot(event);
    },

    async closeBetting(eventId: string): Promise<EventSnapshot> {
      const event = await closeBook(deps.sql, eventId);
      if (!event) throw ApplicationFailure.nonRetryable(`no event ${eventId}`, ErrorCode.NotFound);
      deps.log.info({ event: eventId, deadline: event.deadline }, 'betting closed at the deadline');
      return snapshot(event);
    },

    async settleBetPage(input: { eventId: string; limit: number }): Promise<SettledPage> {
      const context = Context.current();
      // one SQL transaction, but it may wait on locks held by placements or an earlier attempt
      const beat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      try {
        const page = await settleBetPage(deps.sql, input.eventId, input.limit);
        deps.log.info(
          { event: input.eventId, outcome: page.outcome, settled: page.settled, pending: page.tally.pending },
          'settled a page of bets',
        );
        return page;
      } catch (error) {
        if (error instanceof NotSettleable) throw ApplicationFailure.nonRetryable(error.message, ErrorCode.Conflict);
        throw error;
      } finally {
        clearInterval(beat);
      }
    },

    /** Records the event as settled once no bet is pending, and returns the final tally. */
    async finishSettlement(eventId: string): Promise<BetTally> {
      if (!(await markSettled(deps.sql, eventId))) throw new Error(`event ${eventId} still has pending bets or no result`);
      return settlementTally(deps.sql, eventId);
    },
  };
}
