/**
 * Operator adjustments: a credit or debit of an account against the equity account, with a reason on record. A user's
 * balance (`adjustBalance`) is one; reconciliation books custody holdings the same way (`postAdjustment`).
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { repeatConflict, type RequestFields } from '../../domain/idempotency-keys.js';
import { ledgerRefusal, moreThanAvailable, userAccountName } from '../../domain/ledger/engine.js';
import { refuseOwnAccount } from '../../domain/users-auth/own-account.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TransferRecord } from '../ledger/journal.js';
import { transferByKey } from '../ledger/queries.js';
import type { LedgerWriter } from '../ledger/writer.js';
import { userById } from '../users-auth/client.js';

export const EQUITY_ACCOUNT = 'equity:adjustments';

/** What a repeated key is compared on: the whole request, normalised (the amount signed, as the account sees it). */
interface AdjustmentTerms {
  account: string;
  currency: string;
  amount: bigint;
  reason: string;
}

export interface Adjustment {
  operatorId: string;
  userId: string;
  currency: string;
  /** Minor units: positive credits the user, negative debits them. */
  amount: bigint;
  reason: string;
  /** The operator's key for this adjustment: repeating it returns the first one. */
  idempotencyKey: string;
}

export interface AccountAdjustment {
  operatorId: string;
  account: string;
  /** The request's field naming the account (`user_id`, `account`): a repeated key's 409 names it. */
  accountField: string;
  /** The side that makes `account` grow: a user's balance grows by credits, an asset (custody) by debits. */
  grows: 'credit' | 'debit';
  currency: string;
  /** Minor units: positive makes the account grow, negative shrink. */
  amount: bigint;
  reason: string;
  idempotencyKey: string;
  /** What the journal keeps beside the reason and the operator. */
  metadata: Record<string, string>;
}

/** The posted (or first) adjustment, and its amount as the account saw it: positive when it grew. */
export interface AdjustmentPosted {
  record: TransferRecord;
  replayed: boolean;
  amount: bigint;
}

/**
 * Posts an adjustment once per operator and key (the same key again returns the first one; another adjustment under
 * it is a conflict naming every field that differs), `account` against equity; the ledger's rules stand (a user's
 * balance never goes below zero).
 */
export async function postAdjustment(
  deps: { sql: Db; ledger: LedgerWriter; log: Logger },
  a: AccountAdjustment,
): Promise<AdjustmentPosted> {
  const toAccount = a.amount > 0n === (a.grows === 'credit');
  const key = `adjustment:${a.operatorId}:${a.idempotencyKey}`;
  const outcome = await deps.ledger.submit({
    transfers: [
      {
        kind: 'posted',
        key,
        debit: toAccount ? EQUITY_ACCOUNT : a.account,
        credit: toAccount ? a.account : EQUITY_ACCOUNT,
        currency: a.currency,
        amount: a.amount > 0n ? a.amount : -a.amount,
        metadata: { type: 'adjustment', reason: a.reason, operator_id: a.operatorId, ...a.metadata },
      },
    ],
  });
  if (!outcome.ok) {
    // the ledger found the key stored for other accounts, currency or amount: the 409 names which
    const first = outcome.error.code === ErrorCode.IdempotencyConflict ? await transferByKey(deps.sql, key) : null;
    throw (
      (first && repeatConflictOf(a, first)) ||
      ledgerRefusal(outcome.error, { funds: moreThanAvailable('amount', "is more than the account's available balance") })
    );
  }
  const record = outcome.transfers[0]!;
  const amount = record[a.grows] === a.account ? record.amount : -record.amount;
  // the ledger matched accounts, currency and amount; the reason may still differ
  const conflict = outcome.replayed && repeatConflictOf(a, record);
  if (conflict) throw conflict;
  deps.log.info(
    { operator: a.operatorId, account: a.account, currency: a.currency, amount: a.amount.toString(), reason: a.reason },
    'account adjusted',
  );
  return { record, replayed: outcome.replayed, amount };
}

/** The 409 of a repeated key whose first adjustment differs from this one, or null. */
function repeatConflictOf(a: AccountAdjustment, first: TransferRecord): DomainError | null {
  const account = first.debit === EQUITY_ACCOUNT ? first.credit : first.debit;
  const stored: AdjustmentTerms = {
    account,
    currency: first.currency,
    amount: first[a.grows] === account ? first.amount : -first.amount,
    reason: first.metadata.reason as string,
  };
  const repeat: AdjustmentTerms = { account: a.account, currency: a.currency, amount: a.amount, reason: a.reason };
  const fields: RequestFields<AdjustmentTerms> = {
    account: a.accountField,
    currency: 'currency',
    amount: 'amount',
    reason: 'reason',
  };
  return repeatConflict(a.idempotencyKey, 'adjustment', stored, repeat, fields);
}

/** Posts the adjustment of a user's balance once; the balance never goes below zero (the ledger refuses). */
export async function adjustBalance(
  deps: { sql: Db; ledger: LedgerWriter; log: Logger },
  a: Adjustment,
): Promise<AdjustmentPosted> {
  refuseOwnAccount(a.operatorId, a.userId, 'user_id', 'an adjustment');
  if (!(await userById(deps.sql, a.userId))) {
    throw new DomainError(ErrorCode.NotFound, 'no such user', [{ path: 'user_id', message: 'matches no user' }]);
  }
  return postAdjustment(deps, {
    ...a,
    account: userAccountName(a.userId),
    accountField: 'user_id',
    grows: 'credit',
    metadata: { user_id: a.userId },
  });
}
