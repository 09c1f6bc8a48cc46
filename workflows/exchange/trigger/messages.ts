/** What a trigger order's workflow `trigger:<id>` and its callers (the API, the engine process's trigger book) share. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { TriggerLegKind } from '../../../domain/exchange/triggers.js';
import { Currency, SluiceKind, SluiceStatus, UserId } from '../../../platform/temporal/search-attributes.js';

export const triggerWorkflowType = 'triggerOrderWorkflow';
export type TriggerWorkflow = (input: TriggerInput) => Promise<TriggerState>;

export const triggerWorkflowId = (id: string) => `trigger:${id}`;

export const DEFAULT_TRIGGER_POLL_MS = 5 * 60_000;

export interface TriggerInput {
  triggerId: string;
  pollIntervalMs?: number;
  /** How many history events a run may reach before it continues as new (RUN_HISTORY_LIMIT; tests set fewer). */
  runHistoryLimit?: number;
}

export type TriggerStatus = 'pending' | 'fired' | 'cancelled' | 'failed';

export interface TriggerState {
  triggerId: string;
  status: TriggerStatus;
  orderId: string | null;
  /** The leg that fired; an OCO's other leg went with it. */
  firedLeg?: TriggerLegKind;
  /** Why it failed: the error code that refused its order when it fired (its hold was released). */
  failureReason?: string;
}

/** Sent by the engine process to the triggers its trigger book fired, and only to those. */
export const triggerFiredSignal = defineSignal<[{ orderId: string; leg?: TriggerLegKind }]>('triggerFired');
/** Sent by the engine process when a trigger fired but its order was refused for good: the trigger ended failed. */
export const triggerFailedSignal = defineSignal<[{ reason: string }]>('triggerFailed');
export const cancelTriggerUpdate = defineUpdate<TriggerState, [{ by: string }]>('cancelTrigger');
export const triggerStateQuery = defineQuery<TriggerState>('triggerState');

export const triggerSearchAttributes = (t: { userId: string; pair: string }) => [
  { key: SluiceKind, value: 'trigger' },
  { key: SluiceStatus, value: 'pending' },
  { key: UserId, value: t.userId },
  { key: Currency, value: t.pair },
];
