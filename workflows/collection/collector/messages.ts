/** What the retired collector workflow's histories hold (see its workflow.ts): its input, status, signal and query. */
import { defineQuery, defineSignal } from '@temporalio/workflow';

/** The workflow's type name and signature, registered while collectors may still run. */
export const evmCollectorWorkflowType = 'evmCollectorWorkflow';
export type EvmCollectorWorkflow = (input: CollectorInput) => Promise<CollectorStatus>;

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
