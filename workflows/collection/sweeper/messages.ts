/** What the sweeper workflow and its callers (the listener's outbox, deposits, operators, retired collectors) share. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { Chain, SluiceKind } from '../../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const evmSweeperWorkflowType = 'evmSweeperWorkflow';
export type EvmSweeperWorkflow = (input: SweeperInput) => Promise<void>;

/** One sweeper per chain: the only sender from its deposit wallets, so two sweeps of a wallet never race on its nonce. */
export function sweeperWorkflowId(chain: string): string {
  return `sweeper:${chain}`;
}

export interface SweeperInput {
  chain: string;
  /** Wallets credited and not planned yet (carried over continue-as-new). */
  wallets?: string[];
  /** How many history events a run may reach before it continues as new (RUN_HISTORY_LIMIT; tests set fewer). */
  runHistoryLimit?: number;
}

/** A sweep the last tick could not move, and why (it is tried again on the next tick). */
export interface SweepProblem {
  sweepId: string;
  address: string;
  currency: string;
  error: string;
  /** A condition that passes (a node or listener behind): not shown as failing. */
  transient: boolean;
}

/** What one tick did, for the workflow and operators. */
export interface SweepTickReport {
  /** Wallets planned in this tick (the workflow forgets them). */
  planned: string[];
  /** Sweeps still open after the tick (waiting for gas, a funding, confirmations, or a retry). */
  open: number;
  /** Sweeps signed and broadcast in this tick. */
  sent: number;
  /** Sweeps recorded in the ledger in this tick. */
  recorded: number;
  /** Sweeps waiting for the gas keeper to fund them. */
  awaitingGas: number;
  problems: SweepProblem[];
}

export interface SweeperStatus {
  /** failing: a sweep met an error that will not pass by itself (its record says which); an operator should look. */
  state: 'sweeping' | 'idle' | 'failing';
  /** Wallets credited and not planned yet. */
  wallets: number;
  ticks: number;
  lastTick: SweepTickReport | null;
}

/** Deposits to these wallets were credited (or dropped): plan their sweeps on the next tick. */
export const walletsCreditedSignal = defineSignal<[{ addresses: string[] }]>('walletsCredited');
export const sweeperStatusQuery = defineQuery<SweeperStatus>('sweeperStatus');

export const sweeperSearchAttributes = (chain: string) => [
  { key: SluiceKind, value: 'evm-sweeper' },
  { key: Chain, value: chain },
];
