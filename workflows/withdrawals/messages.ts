/** What the withdrawal workflow and its callers (the API, the chain listeners, operators) share. */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { WithdrawalStatus } from '../../domain/withdrawals/status.js';
import { ApprovalState, Currency, SluiceKind, SluiceStatus, UserId } from '../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const withdrawalWorkflowType = 'withdrawalWorkflow';
export type WithdrawalWorkflow = (input: WithdrawalInput) => Promise<WithdrawalStatus>;

/** One workflow per withdrawal: `withdrawal:<id>`; a payout's business key is this ID too. */
export const withdrawalWorkflowId = (id: string) => `withdrawal:${id}`;

export interface WithdrawalInput {
  id: string;
  userId: string;
  currency: string;
  approvalRequired: boolean;
  /**
   * Two-factor at the request. Read only by confirmations before 'withdrawal-confirm-asks-current-second-factor':
   * since, the confirmation asks for the second factor the user has then (verifyWithdrawalConfirmation says).
   */
  totpRequired: boolean;
  confirmTtlMs: number;
  approvalTtlMs: number;
  /** How often to ask the chain about the transaction when no signal came. */
  pollIntervalMs: number;
  /** How many history events a run may reach before it continues as new (RUN_HISTORY_LIMIT; tests set fewer). */
  runHistoryLimit?: number;
  /** Set by the run this one continues as new: where it was waiting, and the withdrawal as it knew it. */
  resume?: WithdrawalResume;
}

export interface WithdrawalResume {
  /** `user-check`: queued, waiting for its disabled user to be enabled; `chain`: broadcast, waiting for the chain. */
  at: 'user-check' | 'chain';
  state: WithdrawalState;
}

export interface WithdrawalState {
  status: WithdrawalStatus;
  codeAttempts: number;
  approvalState: 'not_required' | 'pending' | 'approved' | 'rejected';
  providerId: string | null;
  txHash: string | null;
  failures: Array<{ providerId: string; reason: string }>;
}

export type ConfirmResult =
  | { accepted: true; status: WithdrawalStatus }
  | { accepted: false; status: WithdrawalStatus; attemptsLeft: number; reason: 'code' | 'totp' };

export const confirmWithdrawalUpdate = defineUpdate<ConfirmResult, [{ code: string; totp?: string }]>('confirmWithdrawal');
export const approveWithdrawalUpdate = defineUpdate<WithdrawalStatus, [{ operatorId: string }]>('approveWithdrawal');
export const rejectWithdrawalUpdate = defineUpdate<WithdrawalStatus, [{ operatorId: string; reason: string }]>(
  'rejectWithdrawal',
);
export const cancelWithdrawalUpdate = defineUpdate<WithdrawalStatus, [{ userId: string }]>('cancelWithdrawal');
/** An operator's word on a withdrawal that failed or has no final status. */
export interface CloseWithdrawal {
  operatorId: string;
  outcome: 'succeeded' | 'failed';
  txHash?: string;
  note: string;
}
export const closeWithdrawalUpdate = defineUpdate<WithdrawalStatus, [CloseWithdrawal]>('closeWithdrawal');
/** From the chain listener: the transaction reached the confirmations the currency needs. */
export const withdrawalConfirmedSignal = defineSignal<[{ txHash: string }]>('withdrawalConfirmed');
/** From the chain listener: the transaction reverted or was dropped. It never counts as paid. */
export const withdrawalFailedSignal = defineSignal<[{ txHash: string; reason: string }]>('withdrawalFailed');
export const withdrawalStateQuery = defineQuery<WithdrawalState>('withdrawalState');

/** What a withdrawal shows in the Temporal UI from its start: operators filter "awaiting approval" on these. */
export const withdrawalSearchAttributes = (input: WithdrawalInput) => [
  { key: SluiceKind, value: 'withdrawal' },
  { key: SluiceStatus, value: 'awaiting_confirmation' },
  { key: ApprovalState, value: input.approvalRequired ? 'pending' : 'not_required' },
  { key: Currency, value: input.currency },
  { key: UserId, value: input.userId },
];
