/**
 * Betting events, pure: their states and which changes are allowed, when the book is open, and the settlement
 * progress the event's workflow reports.
 */
import type { BetOutcome } from './bets.js';
import { DomainError, ErrorCode } from '../errors.js';
import type { RequestFields } from '../idempotency-keys.js';

export const EVENT_STATES = ['new', 'finished_win', 'finished_lose', 'cancelled'] as const;
export type EventState = (typeof EVENT_STATES)[number];

/** The seed's default: an event without a deadline takes bets for 5000 seconds. */
export const DEFAULT_BETTING_SECONDS = 5_000;
/** Events are published at most a year ahead: a deadline further out is a typo (milliseconds for seconds). */
export const MAX_BETTING_SECONDS = 366 * 24 * 3600;

/** What an event's Idempotency-Key stands for: the whole request, its deadline in unix seconds as given or defaulted. */
export interface EventTerms {
  title: string | null;
  coefficient: bigint;
  deadline: number;
}

export const EVENT_TERMS: RequestFields<EventTerms> = { title: 'title', coefficient: 'coefficient', deadline: 'deadline' };

export function isOutcome(state: EventState): state is BetOutcome {
  return state !== 'new';
}

/** Why a deadline (unix seconds) cannot be used, or null. Equal to now is already past: betting closes AT the deadline. */
export function deadlineProblem(deadline: number, nowSeconds: number): string | null {
  if (!Number.isSafeInteger(deadline)) return 'must be a unix timestamp in whole seconds';
  if (deadline <= nowSeconds) return 'must be in the future';
  if (deadline > nowSeconds + MAX_BETTING_SECONDS) return 'must be at most 366 days ahead';
  return null;
}

/** A state change: `unchanged` repeats the current state (a retried request), anything else from a final state is refused. */
export function stateChange(current: EventState, next: EventState): 'unchanged' | 'changed' | DomainError {
  if (current === next) return 'unchanged';
  if (current !== 'new') return new DomainError(ErrorCode.EventFinal, `the event is already ${current}; it cannot change again`);
  return 'changed';
}

export interface BookState {
  state: EventState;
  deadline: Date;
  bookClosedAt: Date | null;
}

/** Why a bet cannot be placed on this event now, or null. Betting stops at exactly the deadline. */
export function bettingRefusal(event: BookState, now: Date): DomainError | null {
  if (event.state !== 'new') return new DomainError(ErrorCode.EventNotOpen, `the event is ${event.state}; it takes no more bets`);
  if (event.bookClosedAt !== null || now.getTime() >= event.deadline.getTime()) {
    return new DomainError(ErrorCode.EventClosed, `betting on this event closed at its deadline ${event.deadline.toISOString()}`);
  }
  return null;
}

/** Who is betting, as far as the betting rules care. */
export interface Bettor {
  id: string;
  /** Their role sets the result of any event (operators): the route knows it from the caller, the placer does not. */
  settlesEveryEvent?: boolean;
}

/**
 * Why this user may not bet (on this event, when it is given), or null: whoever may set an event's result (operators
 * any event's, a line provider the events they run) would be betting on an outcome they decide, paid from the house.
 */
export function bettorRefusal(bettor: Bettor, event?: { createdBy: string }): DomainError | null {
  if (bettor.settlesEveryEvent)
    return new DomainError(ErrorCode.Forbidden, 'operators set the results of events, so they cannot bet');
  if (event?.createdBy !== bettor.id) return null;
  return new DomainError(ErrorCode.Forbidden, 'the line provider who runs an event cannot bet on it', [
    { path: 'event_id', message: 'is an event you run' },
  ]);
}

/**
 * The coefficient may change only while the book is open, and not by the request that sets the result (which closes
 * it: the event keeps the last coefficient offered); bets keep the coefficient they were placed at.
 */
export function coefficientChangeRefusal(event: BookState, now: Date, withResult = false): DomainError | null {
  if (withResult)
    return new DomainError(ErrorCode.EventClosed, 'a result closes betting: change the coefficient before it, not with it', [
      { path: 'coefficient', message: 'cannot change together with the result' },
    ]);
  if (event.state !== 'new')
    return new DomainError(ErrorCode.EventFinal, `the event is already ${event.state}; it cannot change again`);
  if (event.bookClosedAt !== null || now.getTime() >= event.deadline.getTime()) {
    return new DomainError(ErrorCode.EventClosed, 'betting on this event has closed; its coefficient can no longer change', [
      { path: 'coefficient', message: 'can no longer change: betting has closed' },
    ]);
  }
  return null;
}

/** Bets of an event by status, and per currency what was staked and what went back to users (payouts and refunds). */
export interface BetTally {
  total: number;
  pending: number;
  won: number;
  lost: number;
  refunded: number;
  /** Minor units as decimal strings (workflow payloads carry no bigint). */
  currencies: Array<{ currency: string; staked: string; paidOut: string }>;
}

/** open: taking bets; closed: deadline passed, waiting for the result; settling; settled. */
export type SettlementPhase = 'open' | 'closed' | 'settling' | 'settled';

export interface SettlementProgress {
  eventId: string;
  phase: SettlementPhase;
  outcome: BetOutcome | null;
  /** Pages of bets settled so far (one SQL transaction each). */
  pages: number;
  /** Counts as of the last page; null before settlement starts. */
  tally: BetTally | null;
  settlingSince: string | null;
  settledAt: string | null;
}

export function initialProgress(eventId: string): SettlementProgress {
  return { eventId, phase: 'open', outcome: null, pages: 0, tally: null, settlingSince: null, settledAt: null };
}

/** What an event's workflow knows of its event (a workflow payload: no Date, no bigint). */
export interface EventSnapshot {
  eventId: string;
  title: string | null;
  state: EventState;
  deadlineMs: number;
  bookClosed: boolean;
}
