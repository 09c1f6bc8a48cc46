/** What the bet event workflow and its callers (the events API, operators, benches) share. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { SettlementProgress } from '../../domain/betting/events.js';
import { SluiceKind, SluiceStatus } from '../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const betEventWorkflowType = 'betEventWorkflow';
export type BetEventWorkflow = (input: BetEventInput) => Promise<SettlementProgress>;

/** One workflow per event: `bet-event:<id>`. */
export const betEventWorkflowId = (eventId: string) => `bet-event:${eventId}`;

export interface BetEventInput {
  eventId: string;
  /** How often to look at the event while waiting for its result (ms): a lost signal costs at most this long. */
  pollIntervalMs?: number;
  /** Bets per settlement page (one SQL transaction each). */
  pageSize?: number;
  /** Carried over continue-as-new. */
  progress?: SettlementProgress;
  /** How many history events a run may reach before it continues as new (RUN_HISTORY_LIMIT; tests set fewer). */
  runHistoryLimit?: number;
}

export const DEFAULT_POLL_INTERVAL_MS = 5 * 60_000;
export const DEFAULT_PAGE_SIZE = 500;

/** The event's state changed (the database has the new state): look now instead of at the next poll. */
export const betEventChangedSignal = defineSignal('betEventChanged');
export const betSettlementProgressQuery = defineQuery<SettlementProgress>('betSettlementProgress');

export const betEventSearchAttributes = [
  { key: SluiceKind, value: 'bet-event' },
  { key: SluiceStatus, value: 'open' },
];
