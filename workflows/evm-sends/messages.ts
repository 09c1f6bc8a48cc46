/** Messages more than one EVM workflow handles: the listener's word that one of our transactions is confirmed. */
import { defineSignal } from '@temporalio/workflow';

export interface TransactionConfirmed {
  /** The send's business key (`sweep:evm-1:42:funding`). */
  key: string;
  hash: string;
}

export const transactionConfirmedSignal = defineSignal<[TransactionConfirmed]>('evmTransactionConfirmed');
