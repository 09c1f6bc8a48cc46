/** What the collector workflow and its callers (deposits, the gas keeper's funding, operators) share. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { Chain, SluiceKind } from '../../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const evmCollectorWorkflowType = 'evmCollectorWorkflow';
export type EvmCollectorWorkflow = (input: CollectorInput) => Promise<CollectorStatus>;

/** One collector per deposit wallet, ever: `collect:<chain>:<address>`. */
export function collectorWorkflowId(chain: string, address: string): string {
  return `collect:${chain}:${address.toLowerCase()}`;
}

export interface CollectorInput {
  chain: string;
  address: string;
}

export interface CollectorStatus {
  state: 'planning' | 'funding' | 'sweeping' | 'idle';
  sweep: { id: string; currency: string } | null;
  sweepsFinished: number;
}

export const walletCreditedSignal = defineSignal('walletCredited');
export const collectorStatusQuery = defineQuery<CollectorStatus>('collectorStatus');

/** What a collector shows in the Temporal UI from its start (it adds the currency it sweeps as it goes). */
export const collectorSearchAttributes = (input: CollectorInput) => [
  { key: SluiceKind, value: 'evm-collector' },
  { key: Chain, value: input.chain },
];
