/**
 * XRP Ledger payments as Sluice records them, and the rule deciding what a payment to a deposit address means:
 * a user's deposit (matched by destination tag), or something an operator must look at. A record is a Payment, or
 * XRP an escrow, a payment channel, a check or a deleted account delivered (read as one, with the tags the ledger
 * keeps for it: chains/xrpl/deliveries.ts). Pure and workflow-safe.
 */

/** 1 XRP = 1,000,000 drops; Sluice keeps XRP in drops (the currency's scale is 6). */
export const XRP_SCALE = 6;
export const XRP_CURRENCY = 'XRP';
/** Only this result means the payment moved money; other validated results (tec…) only burnt a fee. */
export const TES_SUCCESS = 'tesSUCCESS';

/** What arrived (meta.delivered_amount), never what was asked for: partial payments deliver less than Amount. */
export type DeliveredAmount =
  | { kind: 'xrp'; drops: bigint }
  | { kind: 'issued'; currency: string; issuer: string; value: string }
  | { kind: 'mpt'; mptIssuanceId: string; value: string };

export interface XrplPayment {
  hash: string;
  ledgerIndex: number;
  transactionIndex: number;
  closeTime: Date;
  source: string;
  destination: string;
  destinationTag: bigint | null;
  sourceTag: bigint | null;
  result: string;
  partial: boolean;
  /** Null when nothing was delivered (a failed payment) or the ledger no longer knows (very old history). */
  delivered: DeliveredAmount | null;
}

export type DepositDecision = { status: 'matched'; userId: string; drops: bigint } | { status: UnmatchedReason };

/** Why a payment to a deposit address was not credited: an operator decides what happens to it. */
export type UnmatchedReason = 'unknown_tag' | 'missing_tag' | 'not_xrp' | 'unknown_amount';

/**
 * What a payment means for deposits. Null when it is none of the deposits' business: not to a deposit address, or
 * it delivered nothing (failed). Everything else is either credited to the tag's owner, or flagged for an operator.
 */
export function depositDecision(
  payment: Pick<XrplPayment, 'destination' | 'destinationTag' | 'result' | 'delivered'>,
  isDepositAddress: (address: string) => boolean,
  ownerOfTag: (tag: bigint) => string | undefined,
): DepositDecision | null {
  if (!isDepositAddress(payment.destination) || payment.result !== TES_SUCCESS) return null;
  const delivered = payment.delivered;
  if (delivered === null) return { status: 'unknown_amount' };
  if (delivered.kind !== 'xrp') return { status: 'not_xrp' };
  if (delivered.drops <= 0n) return null;
  if (payment.destinationTag === null) return { status: 'missing_tag' };
  const userId = ownerOfTag(payment.destinationTag);
  return userId ? { status: 'matched', userId, drops: delivered.drops } : { status: 'unknown_tag' };
}
