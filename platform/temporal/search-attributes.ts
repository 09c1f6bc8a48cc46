/**
 * Sluice's search attributes: operators filter on them in the Temporal UI ("withdrawals awaiting approval").
 * Workflow-safe; the worker registers them on the namespace at start-up.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SluiceKind = defineSearchAttributeKey('SluiceKind', SearchAttributeType.KEYWORD);
export const SluiceStatus = defineSearchAttributeKey('SluiceStatus', SearchAttributeType.KEYWORD);
export const Chain = defineSearchAttributeKey('Chain', SearchAttributeType.KEYWORD);
export const Currency = defineSearchAttributeKey('Currency', SearchAttributeType.KEYWORD);
export const UserId = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
export const ApprovalState = defineSearchAttributeKey('ApprovalState', SearchAttributeType.KEYWORD);
/** The merchant an invoice bills for ("this merchant's invoices in processing"). */
export const MerchantId = defineSearchAttributeKey('MerchantId', SearchAttributeType.KEYWORD);

export const ALL_SEARCH_ATTRIBUTES = [SluiceKind, SluiceStatus, Chain, Currency, UserId, ApprovalState, MerchantId];
