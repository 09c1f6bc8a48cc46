/** Internal transfers between users: the rules they must pass and the ledger group they become. */
import { ErrorCode, DomainError } from '../errors.js';
import type { RequestFields } from '../idempotency-keys.js';
import { userAccountName, type TransferGroup } from '../ledger/engine.js';
import {
  AMOUNT_RULE_FIELDS,
  DEFAULT_AMOUNT_RULES,
  decodeAmountRules,
  encodeAmountRules,
  limitCounter,
  type AmountRules,
} from '../settings/amount-rules.js';
import type { OperationSettings } from '../settings/fields.js';

/** Per currency, group and user (the settings resolver decides which apply); the daily limit counts amounts sent. */
export type TransferRules = AmountRules;

export const TRANSFER_SETTINGS: OperationSettings<TransferRules> = {
  operation: 'transfers',
  subject: 'currency',
  fields: AMOUNT_RULE_FIELDS,
  defaults: encodeAmountRules(DEFAULT_AMOUNT_RULES),
  decode: decodeAmountRules,
  encode: encodeAmountRules,
};

/** The first rule an amount breaks, or null. The daily limit is checked by the ledger, atomically with the write. */
export function checkTransferRules(amount: bigint, rules: TransferRules, currency: string): DomainError | null {
  if (!rules.enabled) return new DomainError(ErrorCode.CurrencyDisabled, `transfers in ${currency} are disabled`);
  if (amount < rules.minAmount)
    return new DomainError(ErrorCode.AmountBelowMinimum, `amount is below the minimum for ${currency}`);
  if (rules.maxAmount !== null && amount > rules.maxAmount) {
    return new DomainError(ErrorCode.AmountAboveMaximum, `amount is above the maximum for ${currency}`);
  }
  return null;
}

export interface InternalTransfer {
  fromUserId: string;
  toUserId: string;
  currency: string;
  amount: bigint;
  fee: bigint;
  /** The client's Idempotency-Key: scoped to the sender, so two users cannot collide. */
  idempotencyKey: string;
  /** UTC day of the request (YYYY-MM-DD), for the daily limit. */
  day: string;
}

/** What a transfer's Idempotency-Key stands for: the whole request, normalised (the recipient as their account). */
export interface TransferTerms {
  recipient: string;
  currency: string;
  amount: bigint;
  memo: string | null;
  callbackUrl: string | null;
}

export const TRANSFER_TERMS: RequestFields<TransferTerms> = {
  recipient: 'to_user_id',
  currency: 'currency',
  amount: 'amount',
  memo: 'memo',
  callbackUrl: 'callback_url',
};

export const transferKey = (fromUserId: string, idempotencyKey: string) => `transfer:${fromUserId}:${idempotencyKey}`;
export const dailyTransferCounter = (userId: string, currency: string, day: string) =>
  `transfer-out:${userId}:${currency}:${day}`;

export function internalTransferGroup(t: InternalTransfer, rules: TransferRules): TransferGroup {
  const key = transferKey(t.fromUserId, t.idempotencyKey);
  const from = userAccountName(t.fromUserId);
  const metadata = { type: 'internal_transfer', from_user_id: t.fromUserId, to_user_id: t.toUserId, fee: t.fee.toString() };
  return {
    transfers: [
      { kind: 'posted', key, debit: from, credit: userAccountName(t.toUserId), currency: t.currency, amount: t.amount, metadata },
      ...(t.fee > 0n
        ? [
            {
              kind: 'posted' as const,
              key: `${key}:fee`,
              debit: from,
              credit: `fees:${t.currency}`,
              currency: t.currency,
              amount: t.fee,
              metadata: { type: 'transfer_fee', transfer_key: key },
            },
          ]
        : []),
    ],
    counters: [limitCounter(dailyTransferCounter(t.fromUserId, t.currency, t.day), t.amount, rules.dailyLimit)],
  };
}
