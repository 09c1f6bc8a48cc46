/** Internal transfers' application layer: sending money to another user under the currency's rules, fee and limits. */
import type { Currency } from '../../domain/currencies.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { feeFor } from '../../domain/fees.js';
import { ledgerRefusal, moreThanAvailable, userAccountName } from '../../domain/ledger/engine.js';
import { repeatConflict } from '../../domain/idempotency-keys.js';
import {
  checkTransferRules,
  internalTransferGroup,
  TRANSFER_SETTINGS,
  TRANSFER_TERMS,
  transferKey,
  type TransferTerms,
} from '../../domain/transfers/rules.js';
import type { Sql } from '../../platform/db/client.js';
import type { TransferRecord } from '../ledger/journal.js';
import { transferByKey } from '../ledger/queries.js';
import type { LedgerWriter, WithGroup } from '../ledger/writer.js';
import type { SettingsResolver } from '../settings/client.js';
import type { UserDirectory } from '../users-auth/client.js';
import { linkOrderCallbacks, orderId, type OrderCallback } from '../orders/client.js';

export interface TransferDeps {
  sql: Sql;
  ledger: LedgerWriter;
  /** Recipients are looked up here, in memory. */
  users: UserDirectory;
  /** The sender's transfer rules (theirs, their group's, or the currency's), in memory. */
  settings: SettingsResolver;
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
  /**
   * Linked to the transfer in the ledger batch that writes it; its URL is part of the request a repeated
   * Idempotency-Key must match (a replay is linked by the route, `linkReplayedOrder`).
   */
  callback?: OrderCallback;
}

/** The posted transfer; `replayed` when it is the first transfer of this Idempotency-Key, answered again. */
export interface SentTransfer {
  transfer: TransferRecord;
  replayed: boolean;
}

/**
 * Sends money to another user; a repeated request is answered from the journal, even if fees or limits changed since.
 * The idempotency check happens in the ledger's own transaction (a stored key is answered before any rule or balance
 * is applied); only when the rules of today refuse the request, or its fee no longer matches the stored one, is the
 * journal read again to tell a replay from a conflict. So the usual request costs no SQL of its own.
 */
export async function sendTransfer(deps: TransferDeps, request: TransferRequest): Promise<SentTransfer> {
  const { senderId, idempotencyKey, to, currency, amount } = request;
  const recipient = to.field === 'to_email' ? await deps.users.principalByEmail(to.email) : await deps.users.principal(to.userId);
  if (!recipient) {
    throw new DomainError(ErrorCode.RecipientNotFound, 'no user matches the recipient', [
      { path: to.field, message: 'matches no user' },
    ]);
  }
  if (recipient.id === senderId) {
    throw new DomainError(ErrorCode.SelfTransfer, 'you cannot transfer to yourself', [{ path: to.field, message: 'is you' }]);
  }

  const rules = await deps.settings.resolve(TRANSFER_SETTINGS, currency.code, await deps.users.principal(senderId));
  const refusal = checkTransferRules(amount, rules, currency.code);
  if (refusal) return answerFromJournal(deps, request, recipient.id, refusal);
  const fee = feeFor(amount, rules.fee);
  const day = new Date().toISOString().slice(0, 10);
  const group = internalTransferGroup(
    { fromUserId: senderId, toUserId: recipient.id, currency: currency.code, amount, fee, idempotencyKey, day },
    rules,
  );
  // what a repeat of the key is compared with, beside the entry's own fields
  const { memo, callbackUrl } = termsOf(request, recipient.id);
  const metadata = group.transfers[0]!.metadata!;
  if (memo) metadata.memo = memo;
  if (callbackUrl) metadata.callback_url = callbackUrl;

  // only a transfer with a callback brings statements to its batch: the usual one costs the batch nothing more
  const outcome = await deps.ledger.submit(group, request.callback && linkWithTransfer(senderId, request.callback));
  if (!outcome.ok) {
    const error = ledgerRefusal(outcome.error, { limit: ErrorCode.DailyLimitExceeded, funds: moreThanAvailable() });
    // the key is stored, for a different group: the same transfer under the fee of its day, or another request
    if (outcome.error.code === ErrorCode.IdempotencyConflict) return answerFromJournal(deps, request, recipient.id, error);
    deps.countOutcome(outcome.error.code);
    throw error;
  }
  // the ledger matched accounts, currency and amount; the memo or callback URL may still differ
  if (outcome.replayed) return answerRepeat(deps, request, recipient.id, outcome.transfers[0]!);
  deps.countOutcome(outcome.replayed ? 'replayed' : 'posted');
  return { transfer: outcome.transfers[0]!, replayed: outcome.replayed };
}

/** Links the callback to the transfer, and tells it the transfer's state, in the ledger batch that writes it. */
const linkWithTransfer =
  (userId: string, callback: OrderCallback): WithGroup =>
  (tx, [transfer]) =>
    linkOrderCallbacks(tx, [{ id: orderId('tr', transfer!.id), userId, callback }]);

/**
 * The slow path: the transfer stored under this key answers the same request (whatever its fee was); any other request
 * under the key is a conflict; without a stored transfer, `refusal`.
 */
async function answerFromJournal(
  deps: TransferDeps,
  request: TransferRequest,
  recipientId: string,
  refusal: DomainError,
): Promise<SentTransfer> {
  const previous = await transferByKey(deps.sql, transferKey(request.senderId, request.idempotencyKey));
  if (!previous) {
    deps.countOutcome(refusal.code);
    throw refusal;
  }
  return answerRepeat(deps, request, recipientId, previous);
}

/** The first transfer of the key answers a repeat asking for the same on every field; anything else is a 409 naming them. */
function answerRepeat(deps: TransferDeps, request: TransferRequest, recipientId: string, first: TransferRecord): SentTransfer {
  const conflict = repeatConflict(
    request.idempotencyKey,
    'transfer',
    storedTerms(first),
    termsOf(request, recipientId),
    TRANSFER_TERMS,
  );
  if (conflict) {
    deps.countOutcome(ErrorCode.IdempotencyConflict);
    throw conflict;
  }
  deps.countOutcome('replayed');
  return { transfer: first, replayed: true };
}

/** The request, normalised: the recipient by id however it was named, an empty memo as none. */
const termsOf = (request: TransferRequest, recipientId: string): TransferTerms => ({
  recipient: userAccountName(recipientId),
  currency: request.currency.code,
  amount: request.amount,
  memo: request.memo || null,
  callbackUrl: request.callback?.url ?? null,
});

const storedTerms = (first: TransferRecord): TransferTerms => ({
  recipient: first.credit,
  currency: first.currency,
  amount: first.amount,
  memo: (first.metadata.memo as string | undefined) ?? null,
  callbackUrl: (first.metadata.callback_url as string | undefined) ?? null,
});
