/**
 * An XRP hot wallet that pays withdrawals: autofill (sequence, fee, LastLedgerSequence), sign, store the signed blob,
 * submit, and read the validated result. Asked again for the same withdrawal it resubmits the stored blob: the
 * ledger applies one signed transaction at most once, and LastLedgerSequence bounds how long it can still apply. Once
 * stored, only a malformed blob is a refusal: a submission that failed otherwise still answers the stored hash.
 */
import { Wallet, type Client, type Payment } from 'xrpl';
import { ProviderRefusedError, type PayoutCheck, type PayoutRequest, type WithdrawalProvider } from './provider.js';
import type { Sql } from '../../platform/db/client.js';
import { markPayout, payoutByKey, storePayout, type XrplPayout } from './xrpl-payouts-store.js';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { TES_SUCCESS, XRP_CURRENCY } from '../../domain/xrpl-tracking/payments.js';
import type { Logger } from '../../platform/log.js';
import type { XrplConnection } from '../xrpl/connection.js';

export const payoutKey = (withdrawalId: string) => `withdrawal:${withdrawalId}`;

/**
 * Only a malformed transaction (tem) can be called never applied from the answer alone. A tef answer (past sequence,
 * already known) may mean an earlier submission of this very blob applied: that is check()'s to find out, and moving
 * to another provider on it could pay twice.
 */
const malformed = (result: string) => result.startsWith('tem');

export class XrplHotWallet implements WithdrawalProvider {
  readonly chain = XRPL_CHAIN;
  readonly currencies = [XRP_CURRENCY];
  private readonly wallet: Wallet;

  constructor(
    readonly id: string,
    seed: string,
    private readonly deps: { sql: Sql; xrpl: XrplConnection; log: Logger },
  ) {
    this.wallet = Wallet.fromSeed(seed);
  }

  get address(): string {
    return this.wallet.classicAddress;
  }

  async send(request: PayoutRequest): Promise<{ txHash: string }> {
    if (request.currency !== XRP_CURRENCY) throw new ProviderRefusedError(`${this.id} pays XRP only`);
    const key = payoutKey(request.withdrawalId);
    const stored = (await payoutByKey(this.deps.sql, key)) ?? (await this.signAndStore(key, request));
    if (stored.status === 'rejected') throw new ProviderRefusedError(`the ledger refused the payout: ${stored.engineResult}`);
    try {
      await this.submit(stored);
    } catch (error) {
      if (error instanceof ProviderRefusedError) throw error;
      // not relayed, or its answer lost: it may still apply until LastLedgerSequence, so the withdrawal waits for it
      // (`check` submits it again) instead of failing and being closed unpaid while it applies
      this.deps.log.warn({ payout: key, hash: stored.txHash, err: error }, 'XRP payout stored, its submission failed');
    }
    return { txHash: stored.txHash };
  }

  async check(withdrawalId: string, txHash: string): Promise<PayoutCheck> {
    const client = await this.deps.xrpl.connected();
    const result = await ledgerResult(client, txHash);
    if (result === 'unvalidated') return { state: 'pending', confirmations: 0 };
    if (result !== 'missing')
      return result === TES_SUCCESS
        ? { state: 'confirmed', confirmations: 1 }
        : { state: 'failed', reason: `the ledger validated it as ${result}` };
    // not in any ledger: once the validated ledger passed its LastLedgerSequence, it never will be; until then the
    // same blob is relayed again, in case a server dropped it (a held sequence gap, a restart)
    const payout = await payoutByKey(this.deps.sql, payoutKey(withdrawalId));
    if (!payout) return { state: 'pending', confirmations: 0 };
    if (await canNoLongerApply(client, payout)) {
      return {
        state: 'failed',
        reason: `not validated by ledger ${payout.lastLedgerSequence} (LastLedgerSequence): it can no longer apply`,
      };
    }
    await client.request({ command: 'submit', tx_blob: payout.txBlob });
    return { state: 'pending', confirmations: 0 };
  }

  /**
   * Signs under a lock per wallet, on a sequence no stored payout that can still apply holds: two withdrawals paid at
   * once from one wallet must not sign the same sequence (one of them would never apply).
   */
  private async signAndStore(key: string, request: PayoutRequest): Promise<XrplPayout> {
    const client = await this.deps.xrpl.connected();
    await this.ensureSpendable(request.amount);
    const payment: Payment = {
      TransactionType: 'Payment',
      Account: this.address,
      Destination: request.address,
      Amount: request.amount.toString(),
      ...(request.destinationTag !== null ? { DestinationTag: Number(request.destinationTag) } : {}),
    };
    return this.deps.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${`xrpl-payouts:${this.address}`}))`;
      const raced = await payoutByKey(tx, key);
      if (raced) return raced;
      const prepared = await client.autofill(payment);
      const [taken] = await tx`
        select max(sequence) as sequence from xrpl_payouts
        where account = ${this.address} and status <> 'rejected' and last_ledger_sequence >= ${await client.getLedgerIndex()}`;
      if (taken?.sequence !== null && taken?.sequence !== undefined)
        prepared.Sequence = Math.max(prepared.Sequence!, Number(taken.sequence) + 1);
      const signed = this.wallet.sign(prepared);
      return storePayout(tx, {
        key,
        providerId: this.id,
        account: this.address,
        sequence: prepared.Sequence!,
        lastLedgerSequence: prepared.LastLedgerSequence!,
        txBlob: signed.tx_blob,
        txHash: signed.hash,
      });
    });
  }

  /** Refuses (so the next provider is tried) when the balance above the account reserve does not cover the payout. */
  private async ensureSpendable(amount: bigint): Promise<void> {
    const client = await this.deps.xrpl.connected();
    const [{ result: info }, { result: state }] = await Promise.all([
      client.request({ command: 'account_info', account: this.address, ledger_index: 'validated' }),
      client.request({ command: 'server_state' }),
    ]);
    const ledger = state.state.validated_ledger;
    const reserve = BigInt(ledger?.reserve_base ?? 0) + BigInt(ledger?.reserve_inc ?? 0) * BigInt(info.account_data.OwnerCount);
    const fee = BigInt(ledger?.base_fee ?? 10) * 10n; // room for a loaded network's fee
    const spendable = BigInt(info.account_data.Balance) - reserve - fee;
    if (spendable < amount) throw new ProviderRefusedError(`${this.id} can spend ${spendable} drops, the payout needs ${amount}`);
  }

  private async submit(payout: XrplPayout): Promise<void> {
    const client = await this.deps.xrpl.connected();
    const { result } = await client.request({ command: 'submit', tx_blob: payout.txBlob });
    const engineResult = result.engine_result;
    if (malformed(engineResult)) {
      await markPayout(this.deps.sql, payout.key, 'rejected', engineResult);
      throw new ProviderRefusedError(`the ledger refused the payout: ${engineResult} ${result.engine_result_message}`);
    }
    if (engineResult.startsWith('tel')) throw new Error(`the server did not relay the payout yet: ${engineResult}`);
    await markPayout(this.deps.sql, payout.key, 'submitted', engineResult);
    this.deps.log.info({ payout: payout.key, hash: payout.txHash, engineResult }, 'XRP payout submitted');
  }
}

/**
 * A payout's transaction as the ledger knows it: the result a validated ledger gave it, `unvalidated` (a server holds it,
 * no validated ledger yet) or `missing` (no server knows it).
 */
export async function ledgerResult(client: Client, txHash: string): Promise<string | 'unvalidated' | 'missing'> {
  try {
    const { result } = await client.request({ command: 'tx', transaction: txHash });
    if (!result.validated) return 'unvalidated';
    const meta = typeof result.meta === 'object' && result.meta ? result.meta : undefined;
    return meta?.TransactionResult ?? 'unknown';
  } catch (error) {
    if (isNotFound(error)) return 'missing';
    throw error;
  }
}

/** Whether a payout no validated ledger holds never can: the validated ledger passed its LastLedgerSequence. */
export async function canNoLongerApply(client: Client, payout: XrplPayout): Promise<boolean> {
  return (await client.getLedgerIndex()) > payout.lastLedgerSequence;
}

function isNotFound(error: unknown): boolean {
  const data = (error as { data?: { error?: string } }).data;
  return data?.error === 'txnNotFound';
}
