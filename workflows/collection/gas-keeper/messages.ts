/** What the gas keeper workflow and its callers (collectors asking for gas, operators, start-up) share. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { GasKeeperSettings } from '../../../chains/evm/context.js';
import { Chain, SluiceKind } from '../../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const gasKeeperWorkflowType = 'gasKeeperWorkflow';
export type GasKeeperWorkflow = (input: GasKeeperInput) => Promise<void>;

/** One gas keeper per chain: the single writer of its wallet. */
export function gasKeeperWorkflowId(chain: string): string {
  return `gas-keeper:${chain}`;
}

export interface FundingRequest {
  /** The business key of the funding (`sweep:<chain>:<id>:funding`); also the key of the transaction sent. */
  requestId: string;
  to: string;
  /** Wei, decimal digits. */
  amount: string;
  /** The workflow to signal when the funding is confirmed. */
  notify: string;
}

export interface FundingAccepted {
  requestId: string;
  duplicate: boolean;
}

export interface GasKeeperState {
  queue: FundingRequest[];
  /** Sweeps waiting for gas in the database that the last tick could not pay for yet (shown to operators). */
  waiting?: FundingRequest[];
  /** Request IDs recently accepted (sent or queued): a repeated request is answered, not queued twice. */
  recent: string[];
  low: boolean;
  lowIncidents: number;
  balance: string | null;
  committed: string | null;
  checkedAt: string | null;
  openSends: number;
  settings: GasKeeperSettings;
}

export interface GasKeeperInput {
  chain: string;
  settings: GasKeeperSettings;
  state?: GasKeeperState;
  /** How many history events a run may reach before it continues as new (RUN_HISTORY_LIMIT; tests set fewer). */
  runHistoryLimit?: number;
}

export type GasKeeperStatus = Omit<GasKeeperState, 'recent'> & { address: string | null };

export const fundGasUpdate = defineUpdate<FundingAccepted, [FundingRequest]>('fundGas');
/**
 * Collectors' sweeps are waiting for gas in the database (status `funding`): the keeper's next tick reads and funds
 * all of them in one batch. A signal, not an Update: many collectors asking together cost one workflow task, and none
 * of them waits for the keeper's answer.
 */
export const gasFundingWantedSignal = defineSignal('gasFundingWanted');
export const gasKeeperStatusQuery = defineQuery<GasKeeperStatus>('gasKeeperStatus');

export const gasKeeperSearchAttributes = (chain: string) => [
  { key: SluiceKind, value: 'gas-keeper' },
  { key: Chain, value: chain },
];
