/** What the `market:<pair>` entity workflow and its callers (the worker's start-up, operators' routes) share. */
import { defineQuery, defineUpdate } from '@temporalio/workflow';
import { SluiceKind, SluiceStatus } from '../../../platform/temporal/search-attributes.js';

export const marketWorkflowType = 'marketWorkflow';
export type MarketWorkflow = (input: MarketInput) => Promise<never>;

export const marketWorkflowId = (pair: string) => `market:${pair}`;

export const DEFAULT_CHECKPOINT_EVERY_MS = 10 * 60_000;

export interface MarketInput {
  pair: string;
  checkpointEveryMs?: number;
  /** Carried over continue-as-new. */
  state?: MarketWorkflowState;
  /** How many history events a run may reach before it continues as new (RUN_HISTORY_LIMIT; tests set fewer). */
  runHistoryLimit?: number;
}

export interface MarketCheckpoint {
  seq: number;
  hash: string;
}

export interface MarketAudit {
  ok: boolean;
  /** The last snapshot the live engine wrote, and the hash the journal gives at its sequence number. */
  engine: MarketCheckpoint | null;
  journal: MarketCheckpoint | null;
  /** Currencies whose open orders' holds differ from the escrow's pending credits. */
  heldMismatches: string[];
}

export interface MarketWorkflowState {
  pair: string;
  halted: { reason: string; by: string } | null;
  lastCheckpoint: MarketCheckpoint | null;
  lastAudit: MarketAudit | null;
}

export const haltMarketUpdate = defineUpdate<MarketWorkflowState, [{ reason: string; by: string }]>('haltMarket');
export const resumeMarketUpdate = defineUpdate<MarketWorkflowState, [{ by: string }]>('resumeMarket');
export const marketStateQuery = defineQuery<MarketWorkflowState>('marketState');

export const marketStatus = (state: Pick<MarketWorkflowState, 'halted'>) => (state.halted ? 'halted' : 'trading');
export const marketSearchAttributes = [
  { key: SluiceKind, value: 'market' },
  { key: SluiceStatus, value: 'trading' },
];
