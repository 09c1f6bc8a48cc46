/** Internal transfers' application layer: sending money to another user under the currency's rules, fee and limits. */
import type { Currency } from '../../domain/currencies.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { feeFor } from '../../domain/fees.js';
import { ledgerRefusal, userAccountName } from '../../domain/ledger/engine.js';
import { checkTransferRules, internalTransferGroup, transferKey } from '../../domain/transfers/rules.js';
import type { Sql } from '../../platform/db/client.js';
import type { TransferRecord } from '../ledger/journal.js';
import { transferByKey } from '../ledger/queries.js';
import type { LedgerWriter } from '../ledger/writer.js';
import { userByEmail, userById } from '../users-auth/client.js';
import { transferRules } from './settings-store.js';

export interface TransferDeps {
  sql: Sql;
  ledger: LedgerWriter;
  /** Counts each request by outcome: posted, replayed, or the refusal's code. */
  countOutcome(outcome: string): void;
}

export interface TransferRequest {
  senderId: string;
  idempotencyKey: string;
  /** The recipient by email or by id, and the request field that named them (for errors). */
  to: { field: 'to_email'; email: string } | { field: 'to_user_id'; userId: string };
  currency: Currency;
  amount: bigint;
  memo?: string;
}

/** The posted transfer; `replayed` when it is the first transfer of this Idempotency-Key, answered again. */
export interface SentTransfer {
  transfer: TransferRecord;
  replayed: boolean;
}

/** Sends money to another user; a repeated request is answered from the journal, even if fees or limits changed since. */
export async function sendTransfer(deps: TransferDeps, request: TransferRequest): Promise<SentTransfer> {
  const { senderId, idempotencyKey, to, currency, amount } = request;
  const recipient = to.field === 'to_email' ? await userByEmail(deps.sql, to.email) : await userById(deps.sql, to.userId);
  if (!recipient) {
    throw new DomainError(ErrorCode.RecipientNotFound, 'no user matches the recipient', [
      { path: to.field, message: 'matches no user' },
    ]);
  }
  if (recipient.id === senderId) {
    throw new DomainError(ErrorCode.SelfTransfer, 'you cannot transfer to yourself', [{ path: to.field, message: 'is you' }]);
  }

  const previous = await transferByKey(deps.sql, transferKey(senderId, idempotencyKey));
  if (previous) {
    if (previous.credit !== userAccountName(recipient.id) || previous.currency !== currency.code || previous.amount !== amount) {
      throw new DomainError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used for a different transfer');
    }
    deps.countOutcome('replayed');
    return { transfer: previous, replayed: true };
  }

  const rules = await transferRules(deps.sql, currency.code);
  const refusal = checkTransferRules(amount, rules, currency.code);
  if (refusal) throw refusal;
  const fee = feeFor(amount, rules.fee);
  const day = new Date().toISOString().slice(0, 10);
  const group = internalTransferGroup(
    { fromUserId: senderId, toUserId: recipient.id, currency: currency.code, amount, fee, idempotencyKey, day },
    rules,
  );
  group.transfers[0]!.metadata = { ...group.transfers[0]!.metadata, ...(request.memo ? { memo: request.memo } : {}) };

  const outcome = await deps.ledger.submit(group);
  if (!outcome.ok) {
    deps.countOutcome(outcome.error.code);
    throw ledgerRefusal(outcome.error, ErrorCode.DailyLimitExceeded);
  }
  deps.countOutcome(outcome.replayed ? 'replayed' : 'posted');
  return { transfer: outcome.transfers[0]!, replayed: outcome.replayed };
}
