/** What the broadcast workflow and its callers (the API, the console, the worker's sweep) share. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { UserChannel } from '../../../domain/notifications/events.js';
import { SluiceKind, SluiceStatus } from '../../../platform/temporal/search-attributes.js';

export const broadcastWorkflowType = 'broadcastWorkflow';
export type BroadcastWorkflow = (input: BroadcastInput) => Promise<BroadcastProgress>;

export const broadcastWorkflowId = (broadcastId: string) => `broadcast:${broadcastId}`;

export interface BroadcastInput {
  broadcastId: string;
  /** Users per page (one activity each). */
  pageSize: number;
  /** Sends per second on each channel. */
  ratePerSecond: Record<UserChannel, number>;
  /** Carried over continue-as-new. */
  progress?: BroadcastProgress;
  /** How many history events a run may reach before it continues as new (RUN_HISTORY_LIMIT; tests set fewer). */
  runHistoryLimit?: number;
}

export interface BroadcastProgress {
  state: 'running' | 'completed' | 'cancelled';
  /** The last user of the last page done: the next page starts after it. */
  cursor: string | null;
  pages: number;
  sent: number;
  /** Failed, or interrupted mid-send (uncertain, never sent again). */
  failed: number;
}

export const broadcastProgressQuery = defineQuery<BroadcastProgress>('broadcastProgress');
/** Stops the broadcast: the page being sent stops after its sends in flight; what was sent stays sent. */
export const cancelBroadcastUpdate = defineUpdate<BroadcastProgress, [{ by: string }]>('cancelBroadcast');

export const broadcastSearchAttributes = [
  { key: SluiceKind, value: 'broadcast' },
  { key: SluiceStatus, value: 'running' },
];
