/** Withdrawal activities: status records, the mailed code, providers, the ledger's hold, notices. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import { checkTotp } from '../../platform/crypto/totp.js';
import { unseal } from '../../platform/crypto/sealed.js';
import { ProviderRefusedError, type PayoutCheck, type WithdrawalProvider } from '../../chains/withdrawals/provider.js';
import type { Sql } from '../../platform/db/client.js';
import type { LedgerWriter } from '../../services/ledger/writer.js';
import { loadCurrencies } from '../../services/currencies/catalog.js';
import { notify } from '../../services/notifications/store.js';
import { totpSecretOf, userById } from '../../services/users-auth/client.js';
import {
  codeOf,
  providerRoutes,
  recordStatus,
  storeCode,
  withdrawalById,
  withdrawalSettings,
  type Withdrawal,
} from '../../services/withdrawals/store.js';
import { ErrorCode } from '../../domain/errors.js';
import { formatAmount } from '../../domain/money.js';
import { releaseGroup, settleGroup } from '../../domain/withdrawals/ledger.js';
import type { WithdrawalStatus } from '../../domain/withdrawals/status.js';
import type { Mailer } from '../../platform/mail/mailer.js';
import type { Logger } from '../../platform/log.js';

export interface WithdrawalActivityDeps {
  sql: Sql;
  ledger: LedgerWriter;
  mailer: Mailer | null;
  /** Hot wallets that pay withdrawals, by provider id. */
  withdrawalProviders: Map<string, WithdrawalProvider>;
  keys: { withdrawalCodes: Buffer; totp: Buffer };
  log: Logger;
}

type NoticeEvent = 'succeeded' | 'failed' | 'cancelled' | 'expired' | 'rejected' | 'failed_awaiting_operator';

const NOTICES: Record<NoticeEvent, { title: string; userFacing: boolean }> = {
  succeeded: { title: 'Your withdrawal was sent', userFacing: true },
  failed: { title: 'Your withdrawal failed; the funds are back on your balance', userFacing: true },
  cancelled: { title: 'Your withdrawal was cancelled; the funds are back on your balance', userFacing: true },
  expired: { title: 'Your withdrawal expired; the funds are back on your balance', userFacing: true },
  rejected: { title: 'Your withdrawal was rejected; the funds are back on your balance', userFacing: true },
  failed_awaiting_operator: { title: 'A withdrawal could not be sent and needs an operator', userFacing: false },
};

export function createWithdrawalActivities(deps: WithdrawalActivityDeps) {
  const codeHmac = (id: string, code: string) => createHmac('sha256', deps.keys.withdrawalCodes).update(`${id}:${code}`).digest();
  // derived from the withdrawal and a secret, not drawn at random: an attempt killed between mailing the code and storing
  // it is retried with the same code, so the code the user already received still works (the fault suite's storm
  // found a second, different code mailed)
  const codeFor = (id: string) =>
    (createHmac('sha256', deps.keys.withdrawalCodes).update(`code:${id}`).digest().readUInt32BE(0) % 1_000_000)
      .toString()
      .padStart(6, '0');

  async function load(id: string): Promise<Withdrawal> {
    const withdrawal = await withdrawalById(deps.sql, id);
    if (!withdrawal) throw ApplicationFailure.nonRetryable(`no withdrawal ${id}`, ErrorCode.NotFound);
    return withdrawal;
  }

  /** The amount as users read it: a decimal in the currency's units. */
  async function amountOf(w: Withdrawal): Promise<string> {
    const currency = (await loadCurrencies(deps.sql)).find((c) => c.code === w.currency)!;
    return formatAmount(w.amount, currency.scale);
  }

  async function describe(w: Withdrawal): Promise<string> {
    return `${await amountOf(w)} ${w.currency} to ${w.address}${w.destinationTag !== null ? ` (tag ${w.destinationTag})` : ''}`;
  }

  async function mail(to: string, subject: string, text: string): Promise<void> {
    if (!deps.mailer) throw new Error('no SMTP_URL is configured: cannot send mail');
    await deps.mailer.send({ to, subject, text });
  }

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
      await recordStatus(deps.sql, id, { ...rest, chain });
    },

    /** Mails the withdrawal's 6-digit code (again, if a retry); only its HMAC is stored. */
    async sendWithdrawalCode({ id, ttlMs }: { id: string; ttlMs: number }): Promise<void> {
      if (await codeOf(deps.sql, id)) return;
      const withdrawal = await load(id);
      const user = await userById(deps.sql, withdrawal.userId);
      const code = codeFor(id);
      const minutes = Math.round(ttlMs / 60_000);
      await mail(
        user!.email,
        `Your Sluice withdrawal code: ${code}`,
        `Confirm your withdrawal of ${await describe(withdrawal)} with this code:\n\n    ${code}\n\n` +
          `It expires in ${minutes} minutes and works once. If you did not ask for this withdrawal, cancel it and change your password.\n\n` +
          `Withdrawal ${id}`,
      );
      await storeCode(deps.sql, id, codeHmac(id, code).toString('hex'), new Date(Date.now() + ttlMs));
    },

    async verifyWithdrawalConfirmation({
      id,
      code,
      totp,
    }: {
      id: string;
      code: string;
      totp?: string;
    }): Promise<{ codeOk: boolean; totpOk: boolean }> {
      const stored = await codeOf(deps.sql, id);
      const expected = stored && stored.expiresAt > new Date() ? Buffer.from(stored.codeHmac, 'hex') : null;
      const given = codeHmac(id, code);
      const codeOk = expected !== null && timingSafeEqual(expected, given);
      const withdrawal = await load(id);
      const secret = await totpSecretOf(deps.sql, withdrawal.userId);
      const totpOk =
        secret.enabled && secret.secret && totp ? await checkTotp(unseal(deps.keys.totp, secret.secret), totp) : false;
      return { codeOk, totpOk };
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

    async checkWithdrawalTransaction({ id }: { id: string }): Promise<PayoutCheck> {
      const withdrawal = await load(id);
      if (!withdrawal.providerId || !withdrawal.txHash) return { state: 'pending', confirmations: 0 };
      const settings = await withdrawalSettings(deps.sql, withdrawal.currency);
      return provider(withdrawal.providerId).check(id, withdrawal.txHash, settings.confirmations);
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

    /** Tells the user (mail + notification) or, for failures that need one, the operators. */
    async notifyWithdrawal({ id, event }: { id: string; event: NoticeEvent }): Promise<void> {
      const w = await load(id);
      const notice = NOTICES[event];
      const what = await describe(w);
      await notify(deps.sql, {
        key: `withdrawal:${id}:${event}`,
        userId: notice.userFacing ? w.userId : null,
        kind: `withdrawal_${event}`,
        severity: notice.userFacing ? 'info' : 'critical',
        title: notice.title,
        body: { withdrawal_id: id, currency: w.currency, amount: await amountOf(w), tx_hash: w.txHash },
      });
      if (notice.userFacing) {
        const user = await userById(deps.sql, w.userId);
        await mail(
          user!.email,
          notice.title,
          `${notice.title}: ${what}.${w.txHash ? `\nTransaction: ${w.txHash}` : ''}\n\nWithdrawal ${id}`,
        );
      }
    },
  };
}
