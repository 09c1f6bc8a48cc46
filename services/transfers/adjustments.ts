/** Operator balance adjustments: a credit or debit of a user against the equity account, with a reason on record. */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { ledgerRefusal, userAccountName } from '../../domain/ledger/engine.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import type { TransferRecord } from '../ledger/journal.js';
import type { LedgerWriter } from '../ledger/writer.js';
import { userById } from '../users-auth/client.js';

export const EQUITY_ACCOUNT = 'equity:adjustments';

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

/** Posts the adjustment once; the user's balance never goes below zero (the ledger refuses). */
export async function adjustBalance(
  deps: { sql: Db; ledger: LedgerWriter; log: Logger },
  a: Adjustment,
): Promise<{ record: TransferRecord; replayed: boolean }> {
  if (!(await userById(deps.sql, a.userId))) {
    throw new DomainError(ErrorCode.NotFound, 'no such user', [{ path: 'user_id', message: 'matches no user' }]);
  }
  const user = userAccountName(a.userId);
  const credit = a.amount > 0n;
  const outcome = await deps.ledger.submit({
    transfers: [
      {
        kind: 'posted',
        key: `adjustment:${a.operatorId}:${a.idempotencyKey}`,
        debit: credit ? EQUITY_ACCOUNT : user,
        credit: credit ? user : EQUITY_ACCOUNT,
        currency: a.currency,
        amount: credit ? a.amount : -a.amount,
        metadata: { type: 'adjustment', reason: a.reason, operator_id: a.operatorId, user_id: a.userId },
      },
    ],
  });
  if (!outcome.ok) throw ledgerRefusal(outcome.error);
  deps.log.info(
    { operator: a.operatorId, user: a.userId, currency: a.currency, amount: a.amount.toString(), reason: a.reason },
    'balance adjusted',
  );
  return { record: outcome.transfers[0]!, replayed: outcome.replayed };
}
