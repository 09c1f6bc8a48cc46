/**
 * Withdrawals' application layer: requesting one (its rules, the hold with its limit counters, its workflow), and the
 * user's decisions, which the withdrawal's workflow takes (operators' decisions are sent from client.ts).
 */
import { checkAddress } from '../../chains/addresses.js';
import type { Currency } from '../../domain/currencies.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { ledgerRefusal, moreThanAvailableWithFee } from '../../domain/ledger/engine.js';
import { holdGroup } from '../../domain/withdrawals/ledger.js';
import {
  approvalReasons,
  checkWithdrawalRules,
  exceededLimit,
  WITHDRAWAL_SETTINGS,
  withdrawalCounters,
  withdrawalFee,
} from '../../domain/withdrawals/rules.js';
import type { Db } from '../../platform/db/client.js';
import { storeThenStart } from '../../platform/temporal/start-after-commit.js';
import { cancelWithdrawalUpdate, confirmWithdrawalUpdate } from '../../workflows/withdrawals/messages.js';
import { commitGroups } from '../ledger/journal.js';
import { linkOrderCallbacks, orderId, type OrderCallback } from '../orders/client.js';
import type { CustodyWalletAddresses } from '../reconciliation/client.js';
import { resolveSettings } from '../settings/client.js';
import { userById } from '../users-auth/client.js';
import { isTelegramPlaceholder } from '../../domain/users-auth/telegram-placeholder.js';
import { takeDecision, takenBefore, updateWithdrawal, withdrawalOutbox, type WithdrawalDeps } from './client.js';
import { isStoredCode } from './codes.js';
import { decisions } from '../../domain/withdrawals/repeats.js';
import { refusePayingOurselves } from './own-wallets.js';
import { addressUsedBefore, codeOf, insertWithdrawal, withdrawalById, withdrawalByKey, type Withdrawal } from './store.js';

export type WithdrawableCurrency = Currency & { network: 'evm' | 'xrpl' };

/** Withdrawals go out on EVM and XRPL only; any other currency is refused before its amount is even read. */
export function requireWithdrawable(currency: Currency): WithdrawableCurrency {
  if (currency.network !== 'evm' && currency.network !== 'xrpl') {
    throw new DomainError(ErrorCode.WithdrawalsUnsupported, `withdrawals of ${currency.code} are not available`, [
      { path: 'currency', message: 'cannot be withdrawn' },
    ]);
  }
  return currency as WithdrawableCurrency;
}

export interface WithdrawalRequest {
  userId: string;
  idempotencyKey: string;
  currency: WithdrawableCurrency;
  amount: bigint;
  address: string;
  destinationTag: bigint | null;
  /** Linked to the withdrawal in the transaction that stores it, before its workflow can move it on. */
  callback?: OrderCallback;
}

/** Requesting a withdrawal also asks whether the user's email must be verified first (WITHDRAWALS_REQUIRE_VERIFIED_EMAIL). */
export interface WithdrawalRequestDeps extends WithdrawalDeps {
  requireVerifiedEmail: boolean;
  /** The custody wallets this process's configuration names: a request to one is refused (own-wallets.ts). */
  custodyWallets: CustodyWalletAddresses;
}

/** The stored request; `replayed` when it is the first request of this Idempotency-Key, answered again. */
export interface RequestedWithdrawal {
  withdrawal: Withdrawal;
  replayed: boolean;
}

/**
 * Requests a withdrawal: the request, the hold of amount + fee and the link to its callback commit together (a refused
 * hold stores nothing), then its workflow starts, which mails the confirmation code. A repeated Idempotency-Key is answered with the first
 * request, even if the rules changed since.
 */
export async function requestWithdrawal(deps: WithdrawalRequestDeps, request: WithdrawalRequest): Promise<RequestedWithdrawal> {
  const { userId, idempotencyKey, currency, amount, destinationTag } = request;
  const checked = checkAddress(currency.network, request.address);
  if (!checked.ok)
    throw new DomainError(ErrorCode.InvalidAddress, `address ${checked.reason}`, [{ path: 'address', message: checked.reason }]);
  if (destinationTag !== null && currency.network !== 'xrpl') {
    const message = 'is only for XRPL withdrawals';
    throw new DomainError(ErrorCode.ValidationFailed, `destination_tag ${message}`, [{ path: 'destination_tag', message }]);
  }
  const address = checked.address;
  const replay = (previous: Withdrawal): RequestedWithdrawal => {
    const same =
      previous.currency === currency.code &&
      previous.amount === amount &&
      previous.address.toLowerCase() === address.toLowerCase() &&
      previous.destinationTag === destinationTag;
    if (!same) throw new DomainError(ErrorCode.IdempotencyConflict, 'this Idempotency-Key was used for a different withdrawal');
    return { withdrawal: previous, replayed: true };
  };

  const previous = await withdrawalByKey(deps.sql, userId, idempotencyKey);
  if (previous) return replay(previous);
  await refusePayingOurselves(deps.sql, deps.custodyWallets, currency.network, address, destinationTag, amount);

  await refuseUnreachableOwner(deps, userId);
  const settings = await resolveSettings(deps.sql, WITHDRAWAL_SETTINGS, currency.code, userId);
  const refusal = checkWithdrawalRules(amount, settings, currency.code);
  if (refusal) throw refusal;
  const reasons = approvalReasons(
    amount,
    settings,
    await addressUsedBefore(deps.sql, userId, currency.code, address, destinationTag),
  );
  const counters = withdrawalCounters(userId, currency.code, amount, settings, new Date());
  const fee = withdrawalFee(amount, settings);

  const outbox = withdrawalOutbox(deps.temporal.client, deps.sql, deps.temporal.taskQueue, deps.timings);
  const created = await storeThenStart(
    outbox,
    () =>
      deps.sql.begin(async (tx) => {
        const w = await insertWithdrawal(tx, {
          userId,
          idempotencyKey,
          currency: currency.code,
          amount,
          fee,
          address,
          destinationTag,
          approvalRequired: reasons.length > 0,
          approvalReasons: reasons,
          counters,
        });
        if (!w) return null; // the same key raced in: answered from the stored request
        const [outcome] = await commitGroups(tx, [holdGroup(w, counters)]);
        if (!outcome!.ok)
          throw ledgerRefusal(outcome!.error, {
            limit: exceededLimit(outcome!.error.subject),
            funds: moreThanAvailableWithFee(fee, currency),
          });
        if (request.callback) await linkOrderCallbacks(tx, [{ id: orderId('wd', w.id), userId, callback: request.callback }]);
        return w;
      }),
    deps.log,
  );
  if (!created) return replay((await withdrawalByKey(deps.sql, userId, idempotencyKey))!);
  return { withdrawal: created, replayed: false };
}

/**
 * The confirmation code is mailed: an account made from Telegram, whose placeholder address has no mailbox, is refused
 * at once rather than left waiting for a code that cannot come; so, where the setting asks it, is an unverified address.
 */
async function refuseUnreachableOwner(deps: WithdrawalRequestDeps, userId: string): Promise<void> {
  const user = await userById(deps.sql, userId);
  if (user && isTelegramPlaceholder(user.email)) {
    throw new DomainError(
      ErrorCode.EmailAddressRequired,
      'this account was made from Telegram and has no mail address for the confirmation code: add one with POST /v1/me/email first',
    );
  }
  if (deps.requireVerifiedEmail && !user?.emailVerified) {
    throw new DomainError(ErrorCode.EmailNotVerified, 'confirm your email address (the link we mailed you) before withdrawing');
  }
}

/** The user's own withdrawal, or NotFound: another user's is never revealed. */
export async function ownWithdrawal(db: Db, userId: string, id: string): Promise<Withdrawal> {
  const w = await withdrawalById(db, id);
  if (!w || w.userId !== userId) throw new DomainError(ErrorCode.NotFound, 'no such withdrawal');
  return w;
}

/** `codeKey`: SECRET_KEY's `withdrawal-codes` key, which a repeated confirmation's code is proven under (codes.ts). */
export interface ConfirmationDeps extends WithdrawalDeps {
  codeKey: Buffer;
}

/**
 * The user confirms with the mailed code (and TOTP when on); each wrong code costs an attempt, the last one cancels.
 * The same confirmation again, its code the one that confirmed it, is answered as the first was; any other code is
 * left to the workflow, which refuses it once the withdrawal has moved on.
 */
export async function confirmWithdrawal(
  deps: ConfirmationDeps,
  userId: string,
  id: string,
  codes: { code: string; totp?: string },
): Promise<void> {
  await ownWithdrawal(deps.sql, userId, id);
  await takeDecision(
    deps.sql,
    id,
    decisions.confirmation(userId),
    async () => ((await isRepeatedConfirmation(deps, userId, id, codes.code)) ? true : null),
    async () => {
      const result = await updateWithdrawal(deps, id, confirmWithdrawalUpdate, codes);
      if (result.accepted) return true;
      const field = result.reason === 'totp' ? 'totp' : 'code';
      const message =
        result.attemptsLeft > 0
          ? `is wrong (${result.attemptsLeft} attempts left)`
          : 'is wrong; too many attempts, the withdrawal was cancelled';
      throw new DomainError(ErrorCode.ConfirmationCodeInvalid, `the ${field} ${message}`, [{ path: field, message }]);
    },
  );
}

/**
 * Whether this user confirmed the withdrawal already, with this mailed code (proven past its expiry too: the
 * confirmation repeated came in time). Its TOTP code is not asked again: the confirmation spent it, and a repeat
 * changes nothing.
 */
async function isRepeatedConfirmation(deps: ConfirmationDeps, userId: string, id: string, code: string): Promise<boolean> {
  if (!(await takenBefore(deps.sql, id, decisions.confirmation(userId)))) return false;
  const stored = await codeOf(deps.sql, id);
  return stored !== null && isStoredCode(deps.codeKey, id, code, stored.codeHmac);
}

/** The user cancels a withdrawal not yet broadcast; its workflow releases the hold. A repeat is answered as the first. */
export async function cancelWithdrawal(deps: WithdrawalDeps, userId: string, id: string): Promise<void> {
  await ownWithdrawal(deps.sql, userId, id);
  const cancel = decisions.cancel(userId);
  await takeDecision(
    deps.sql,
    id,
    cancel,
    () => takenBefore(deps.sql, id, cancel),
    () => updateWithdrawal(deps, id, cancelWithdrawalUpdate, { userId }),
  );
}
