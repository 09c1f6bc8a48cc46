/** Withdrawal activities: status records, the mailed code, providers, the ledger's hold, notices. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ProviderRefusedError, type PayoutCheck, type WithdrawalProvider } from '../../chains/withdrawals/provider.js';
import type { Sql } from '../../platform/db/client.js';
import type { LedgerWriter } from '../../services/ledger/writer.js';
import { loadCurrencies } from '../../services/currencies/catalog.js';
import { deliverUnstoredNow, notifyUser, raiseAlert } from '../../services/notifications/client.js';
import type { TelegramBotApi } from '../../platform/telegram/bot-api.js';
import { spendTotpCode, totpSecretOf, userById } from '../../services/users-auth/client.js';
import {
  codeOf,
  providerRoutes,
  recordStatus,
  storeCode,
  withdrawalById,
  type Withdrawal,
} from '../../services/withdrawals/store.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { formatAmount } from '../../domain/money.js';
import { releaseGroup, settleGroup } from '../../domain/withdrawals/ledger.js';
import { WITHDRAWAL_SETTINGS } from '../../domain/withdrawals/rules.js';
import { resolveSettings } from '../../services/settings/client.js';
import type { WithdrawalStatus } from '../../domain/withdrawals/status.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { Logger } from '../../platform/log.js';
import type { CustodyWalletAddresses } from '../../services/reconciliation/client.js';
import { isStoredCode, withdrawalCodeFor, withdrawalCodeHmac } from '../../services/withdrawals/codes.js';
import { refusePayingOurselves } from '../../services/withdrawals/own-wallets.js';
import { requireWithdrawable } from '../../services/withdrawals/service.js';
import { publishWithdrawalEnd } from './webhook-event.js';
import { orderId, publishOrderUpdate } from '../../services/orders/client.js';

export interface WithdrawalActivityDeps {
  sql: Sql;
  ledger: LedgerWriter;
  mailer: Mailer | null;
  /** The Telegram bot, for codes sent to a linked chat. */
  telegram: TelegramBotApi | null;
  /** Hot wallets that pay withdrawals, by provider id. */
  withdrawalProviders: Map<string, WithdrawalProvider>;
  keys: { withdrawalCodes: Buffer; totp: Buffer };
  /** The custody wallets the worker's configuration names: payouts to them are refused before sending. */
  custodyWallets: CustodyWalletAddresses;
  log: Logger;
}

/** Tries of a payout's check (bookkeeping's backoff: about two minutes) before operators are told it keeps failing. */
const CHECK_ATTEMPTS_BEFORE_ALERT = 8;

type NoticeEvent = 'succeeded' | 'failed' | 'cancelled' | 'expired' | 'rejected' | 'failed_awaiting_operator';

/** `released`: the event gives the hold (amount and fee) back to the user, and its notice says how much that is. */
const NOTICES: Record<NoticeEvent, { title: string; userFacing: boolean; released: boolean }> = {
  succeeded: { title: 'Your withdrawal was sent', userFacing: true, released: false },
  failed: { title: 'Your withdrawal failed; the funds are back on your balance', userFacing: true, released: true },
  cancelled: { title: 'Your withdrawal was cancelled; the funds are back on your balance', userFacing: true, released: true },
  expired: { title: 'Your withdrawal expired; the funds are back on your balance', userFacing: true, released: true },
  rejected: { title: 'Your withdrawal was rejected; the funds are back on your balance', userFacing: true, released: true },
  failed_awaiting_operator: {
    title: 'A withdrawal could not be sent and needs an operator',
    userFacing: false,
    released: false,
  },
};

export function createWithdrawalActivities(deps: WithdrawalActivityDeps) {
  async function load(id: string): Promise<Withdrawal> {
    const withdrawal = await withdrawalById(deps.sql, id);
    if (!withdrawal) throw ApplicationFailure.nonRetryable(`no withdrawal ${id}`, ErrorCode.NotFound);
    return withdrawal;
  }

  const currencyOf = async (w: Withdrawal) => (await loadCurrencies(deps.sql)).find((c) => c.code === w.currency)!;
  /** An amount of the withdrawal's currency as users read it: a decimal in the currency's units. */
  async function formatterOf(w: Withdrawal): Promise<(minor: bigint) => string> {
    const { scale } = await currencyOf(w);
    return (minor) => formatAmount(minor, scale);
  }
  const amountOf = async (w: Withdrawal) => (await formatterOf(w))(w.amount);

  function provider(id: string): WithdrawalProvider {
    const found = deps.withdrawalProviders.get(id);
    if (!found)
      throw ApplicationFailure.nonRetryable(`provider ${id} is not configured on this worker`, ErrorCode.ProviderRefused);
    return found;
  }

  return {
    async recordWithdrawalStatus(change: {
      id: string;
      status: WithdrawalStatus;
      actor?: string;
      detail?: Record<string, unknown>;
      providerId?: string;
      txHash?: string;
      decidedBy?: string;
      decisionNote?: string;
    }): Promise<void> {
      const { id, ...rest } = change;
      const chain = rest.providerId ? deps.withdrawalProviders.get(rest.providerId)?.chain : undefined;
      await deps.sql.begin(async (tx) => {
        await recordStatus(tx, id, { ...rest, chain });
        await publishWithdrawalEnd(tx, id, change.status, change.detail);
        await publishOrderUpdate(tx, orderId('wd', id));
        if (change.status === 'awaiting_approval') {
          const w = await load(id);
          const amount = await amountOf(w);
          await raiseAlert(tx, {
            eventId: `withdrawal:${id}:awaiting_approval`,
            type: 'withdrawals_awaiting_approval',
            severity: 'warning',
            title: `Withdrawal ${id} of ${amount} ${w.currency} awaits approval`,
            data: { withdrawal_id: id, currency: w.currency, amount, reasons: w.approvalReasons.join(', ') },
          });
        }
      });
    },

    /**
     * Sends the withdrawal's 6-digit code once, on the channels the user chose for withdrawal codes (mail by default);
     * only its HMAC is stored, and the code never enters the notifications table. The HMAC is stored before the code
     * goes out, so a code the user holds is always one the confirmation accepts (stored after, a user quick enough, or
     * a test reading the mail sink, was refused the code just mailed). A retry sends the same code, and only on the
     * channels it has not reached yet (the deliveries are keyed by the code's HMAC); the first attempt's expiry stays.
     */
    async sendWithdrawalCode({ id, ttlMs }: { id: string; ttlMs: number }): Promise<void> {
      const withdrawal = await load(id);
      const code = withdrawalCodeFor(deps.keys.withdrawalCodes, id);
      const hmac = withdrawalCodeHmac(deps.keys.withdrawalCodes, id, code).toString('hex');
      await storeCode(deps.sql, id, hmac, new Date(Date.now() + ttlMs));
      await deliverUnstoredNow(
        { sql: deps.sql, log: deps.log, mailer: deps.mailer, telegram: deps.telegram },
        {
          eventId: `withdrawal:${id}:code:${hmac.slice(0, 16)}`,
          userId: withdrawal.userId,
          type: 'withdrawal_code',
          title: 'Your Sluice withdrawal code',
          data: {
            withdrawal_id: id,
            code,
            amount: await amountOf(withdrawal),
            currency: withdrawal.currency,
            address: withdrawal.address,
            minutes: Math.round(ttlMs / 60_000),
          },
        },
      );
    },

    async verifyWithdrawalConfirmation({
      id,
      code,
      totp,
    }: {
      id: string;
      code: string;
      totp?: string;
    }): Promise<{ codeOk: boolean; totpOk: boolean; totpRequired: boolean }> {
      const stored = await codeOf(deps.sql, id);
      const codeOk =
        stored !== null && stored.expiresAt > new Date() && isStoredCode(deps.keys.withdrawalCodes, id, code, stored.codeHmac);
      const withdrawal = await load(id);
      const secret = await totpSecretOf(deps.sql, withdrawal.userId);
      // spent only beside the right mailed code: a confirmation refused for its code leaves the TOTP code unused
      const totpOk =
        codeOk && secret.enabled && secret.secret && totp
          ? await spendTotpCode(
              deps.sql,
              deps.keys.totp,
              { userId: withdrawal.userId, sealedSecret: secret.secret, lastStep: secret.lastStep },
              totp,
            )
          : false;
      // the second factor the user has now, which the confirmation asks for (not the one they had at the request)
      return { codeOk, totpOk, totpRequired: secret.enabled };
    },

    /** Whether an operator disabled the withdrawal's user: their open withdrawals wait before sending. */
    async withdrawalUserDisabled({ id }: { id: string }): Promise<boolean> {
      const withdrawal = await load(id);
      const disabled = (await userById(deps.sql, withdrawal.userId))?.disabled ?? true;
      if (disabled) deps.log.info({ withdrawal: id, user: withdrawal.userId }, 'withdrawal waits: its user is disabled');
      return disabled;
    },

    /** The enabled providers of a currency, in priority order, that this worker can send with. */
    async withdrawalProviders({ currency }: { currency: string }): Promise<string[]> {
      const routes = (await providerRoutes(deps.sql, currency)).filter((r) => r.enabled);
      for (const route of routes) {
        if (!deps.withdrawalProviders.has(route.providerId))
          deps.log.warn({ provider: route.providerId, currency }, 'routed provider is not configured; skipped');
      }
      return routes.map((r) => r.providerId).filter((id) => deps.withdrawalProviders.get(id)?.currencies.includes(currency));
    },

    /**
     * Why the withdrawal may not be paid to its address, or null: the request's rule on addresses of our own, asked
     * again before the first provider signs, knowing this worker's configured wallets and every registered one: a
     * request the API took before a wallet was in its configuration (or before this rule knew configured wallets) is
     * refused here. A refusal here is an operator alert too: the API let a payout to ourselves through.
     */
    async payoutRefusal({ id }: { id: string }): Promise<string | null> {
      const w = await load(id);
      const { network } = requireWithdrawable(await currencyOf(w));
      try {
        await refusePayingOurselves(deps.sql, deps.custodyWallets, network, w.address, w.destinationTag, w.amount);
        return null;
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        await raiseAlert(deps.sql, {
          eventId: `withdrawal:${id}:paying-ourselves`,
          type: 'other',
          kind: 'withdrawal_paying_ourselves',
          severity: 'warning',
          title: `Withdrawal ${id} to ${w.address}, an address of Sluice's own, was refused before sending`,
          data: { withdrawal_id: id, currency: w.currency, amount: await amountOf(w), address: w.address, reason: error.message },
        });
        return error.message;
      }
    },

    async sendWithdrawal({ id, providerId }: { id: string; providerId: string }): Promise<{ txHash: string; chain: string }> {
      const withdrawal = await load(id);
      const chosen = provider(providerId);
      try {
        const { txHash } = await chosen.send({
          withdrawalId: id,
          currency: withdrawal.currency,
          amount: withdrawal.amount,
          address: withdrawal.address,
          destinationTag: withdrawal.destinationTag,
        });
        deps.log.info({ withdrawal: id, provider: providerId, txHash }, 'withdrawal broadcast');
        return { txHash, chain: chosen.chain };
      } catch (error) {
        if (error instanceof ProviderRefusedError)
          throw ApplicationFailure.nonRetryable(error.message, ErrorCode.ProviderRefused);
        throw error;
      }
    },

    /**
     * Where the payout stands on its chain (the provider broadcasts it again meanwhile). Retried for as long as it
     * fails, which leaves the withdrawal waiting: past CHECK_ATTEMPTS_BEFORE_ALERT tries (about two minutes), operators
     * are alerted once, since a payout the node keeps refusing (its wallet short of gas) or a node away never ends.
     */
    async checkWithdrawalTransaction({ id }: { id: string }): Promise<PayoutCheck> {
      const withdrawal = await load(id);
      if (!withdrawal.providerId || !withdrawal.txHash) return { state: 'pending', confirmations: 0 };
      const settings = await resolveSettings(deps.sql, WITHDRAWAL_SETTINGS, withdrawal.currency, withdrawal.userId);
      const chosen = provider(withdrawal.providerId);
      try {
        return await chosen.check(id, withdrawal.txHash, settings.confirmations);
      } catch (error) {
        const { attempt } = Context.current().info;
        if (attempt >= CHECK_ATTEMPTS_BEFORE_ALERT) {
          const reason = error instanceof Error ? error.message : String(error);
          await raiseAlert(deps.sql, {
            eventId: `withdrawal:${id}:check-failing`,
            type: 'other',
            kind: 'withdrawal_payout_unchecked',
            severity: 'critical',
            title: `Withdrawal ${id}'s payout ${withdrawal.txHash} cannot be checked or sent: ${reason}`,
            data: { withdrawal_id: id, provider: chosen.id, tx_hash: withdrawal.txHash, attempts: attempt, error: reason },
          }).catch((alertError: unknown) => deps.log.error({ withdrawal: id, err: alertError }, 'could not raise the alert'));
        }
        throw error;
      }
    },

    /** Posts the hold; the amount leaves hot custody on the chain that paid (the provider's, for a manual close). */
    async settleWithdrawal({ id }: { id: string }): Promise<void> {
      const w = await load(id);
      const chain = w.chain ?? [...deps.withdrawalProviders.values()].find((p) => p.currencies.includes(w.currency))?.chain;
      if (!chain)
        throw ApplicationFailure.nonRetryable(
          `no provider pays ${w.currency}: cannot tell which custody account paid withdrawal ${id}`,
          ErrorCode.ProviderRefused,
        );
      const outcome = await deps.ledger.submit(settleGroup(w, chain));
      if (!outcome.ok)
        throw ApplicationFailure.nonRetryable(`cannot post withdrawal ${id}: ${outcome.error.message}`, outcome.error.code);
    },

    async releaseWithdrawal({ id }: { id: string }): Promise<void> {
      const w = await load(id);
      const outcome = await deps.ledger.submit(releaseGroup(w, w.counters));
      if (!outcome.ok)
        throw ApplicationFailure.nonRetryable(`cannot release withdrawal ${id}: ${outcome.error.message}`, outcome.error.code);
    },

    /**
     * Tells the user or, for failures that need one, the operators: the notification is delivered on the channels the
     * user chose for withdrawal status (mail by default) or along the operators' alert routes.
     */
    async notifyWithdrawal({ id, event }: { id: string; event: NoticeEvent }): Promise<void> {
      const w = await load(id);
      const notice = NOTICES[event];
      const format = await formatterOf(w);
      const recorded = {
        eventId: `withdrawal:${id}:${event}`,
        kind: `withdrawal_${event}`,
        title: notice.title,
        data: {
          withdrawal_id: id,
          currency: w.currency,
          amount: format(w.amount),
          fee: format(w.fee),
          released: notice.released ? format(w.amount + w.fee) : null,
          tx_hash: w.txHash,
          address: w.address,
        },
      };
      if (notice.userFacing) {
        await notifyUser(deps.sql, { ...recorded, userId: w.userId, type: 'withdrawal_status', severity: 'info' });
      } else {
        await raiseAlert(deps.sql, { ...recorded, type: 'other', severity: 'critical' });
      }
    },
  };
}
