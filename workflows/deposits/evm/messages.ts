/** What the EVM deposit workflow and its callers (the listener's outbox, tests) share: messages, payloads, ID, search attributes. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { depositWorkflowId } from '../../../domain/deposits/credit.js';
import { Chain, Currency, SluiceKind, SluiceStatus, UserId } from '../../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const evmDepositWorkflowType = 'evmDepositWorkflow';
export type EvmDepositWorkflow = (input: EvmDepositInput) => Promise<EvmDepositStatus>;

/** One workflow per on-chain transfer: `deposit:<chain>:<tx>:<log index>`. */
export const evmDepositWorkflowId = depositWorkflowId;

export interface EvmDepositInput {
  depositId: string;
  chain: string;
  currency: string;
  address: string;
  userId: string;
}

export interface DepositObserved {
  state: 'seen' | 'confirmed' | 'dropped';
  confirmations: number;
}

export interface EvmDepositStatus {
  /** held: kept, not credited (below the deposit minimum, or deposits off): a later deposit credits it. */
  state: 'confirming' | 'credited' | 'held' | 'dropped';
  confirmations: number;
}

export const depositObservedSignal = defineSignal<[DepositObserved]>('depositObserved');
export const evmDepositStatusQuery = defineQuery<EvmDepositStatus>('evmDepositStatus');

/** What a deposit shows in the Temporal UI from its start. */
export const evmDepositSearchAttributes = (input: EvmDepositInput) => [
  { key: SluiceKind, value: 'deposit' },
  { key: SluiceStatus, value: 'confirming' },
  { key: Chain, value: input.chain },
  { key: Currency, value: input.currency },
  { key: UserId, value: input.userId },
];
