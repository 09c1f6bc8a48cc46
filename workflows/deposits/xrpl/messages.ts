/** What the XRPL deposit workflow and its callers (listener, backfill, outbox) share: messages, payloads, ID, search attributes. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { depositWorkflowId, XRPL_CHAIN } from '../../../domain/deposits/credit.js';
import { XRP_CURRENCY } from '../../../domain/xrpl-tracking/payments.js';
import { Chain, Currency, SluiceKind, SluiceStatus, UserId } from '../../../platform/temporal/search-attributes.js';

/** The workflow's type name and signature: clients start it by name, so they never load workflow code. */
export const xrplDepositWorkflowType = 'xrplDepositWorkflow';
export type XrplDepositWorkflow = (input: XrplDepositInput) => Promise<XrplDepositStatus>;

/** An XRPL payment is one transaction delivering one amount: `deposit:xrpl:<hash>:0`. */
export const xrplDepositWorkflowId = (hash: string) => depositWorkflowId(XRPL_CHAIN, hash, 0);

export interface XrplDepositInput {
  depositId: string;
  hash: string;
  /**
   * Credited or held already: the run only reads it (one started again by its credit after an earlier run ended held,
   * or a held run from before continued as new). Never credits, so never converts.
   */
  heldBefore?: true;
  /** Tests shorten a long run. */
  runHistoryLimit?: number;
}

export interface XrplPaymentValidated {
  hash: string;
  ledgerIndex: number;
}

/** The payment is in a validated ledger: sent by whoever recorded it (listener, backfill, outbox). */
export const xrplPaymentValidatedSignal = defineSignal<[XrplPaymentValidated]>('xrplPaymentValidated');

/** The held deposit was credited (an operator's, a later deposit's release): the run reads it and shows it credited. */
export const xrplDepositCreditedSignal = defineSignal('xrplDepositCredited');

export interface XrplDepositStatus {
  /** held: kept, not credited (below its owner's minimum, above their maximum): an operator's credit credits it. */
  state: 'crediting' | 'credited' | 'held';
  depositId: string;
  hash: string;
  ledgerIndex: number | null;
  userId: string | null;
  amount: string | null;
}

export const xrplDepositStatusQuery = defineQuery<XrplDepositStatus>('xrplDepositStatus');

/** What a deposit shows in the Temporal UI from its start. */
export const xrplDepositSearchAttributes = (userId: string) => [
  { key: SluiceKind, value: 'deposit' },
  { key: SluiceStatus, value: 'crediting' },
  { key: Chain, value: XRPL_CHAIN },
  { key: Currency, value: XRP_CURRENCY },
  { key: UserId, value: userId },
];
