/** What the XRPL backfill workflow and its callers share: signals, queries, payloads, its ID and search attributes. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { Chain, SluiceKind, SluiceStatus } from '../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const xrplBackfillWorkflowType = 'xrplBackfillWorkflow';
export type XrplBackfillWorkflow = (input: XrplBackfillInput) => Promise<XrplBackfillStatus>;

export const xrplBackfillWorkflowId = (address: string) => `xrpl-backfill:${address}`;

export type BackfillMode = 'full' | 'incremental';

/** Where the next page starts: the marker, within the ledger range fixed by the first page. */
export interface BackfillCursor {
  fromLedger: number;
  toLedger: number;
  marker: unknown;
}

export interface BackfillProgress {
  pages: number;
  /** Payments read from the ledger, and how many of them were new to Sluice. */
  payments: number;
  inserted: number;
  deposits: number;
  resyncRequests: number;
  startedAt: string;
}

export interface XrplBackfillInput {
  address: string;
  mode: BackfillMode;
  cursor?: BackfillCursor;
  progress?: BackfillProgress;
}

export interface XrplBackfillStatus extends BackfillProgress {
  address: string;
  mode: BackfillMode;
  state: 'running' | 'done' | 'stopped';
  /** Once done: the account's history is complete through this ledger. */
  completeThroughLedger: number | null;
}

export interface XrplResync {
  requestedBy: string;
}

export const xrplResyncSignal = defineSignal<[XrplResync]>('xrplResync');
export const xrplBackfillStatusQuery = defineQuery<XrplBackfillStatus>('xrplBackfillStatus');

/** What a backfill shows in the Temporal UI from its start. */
export const xrplBackfillSearchAttributes = [
  { key: SluiceKind, value: 'xrpl-backfill' },
  { key: SluiceStatus, value: 'running' },
  { key: Chain, value: XRPL_CHAIN },
];
