/**
 * An EVM hot wallet that pays withdrawals of ETH and ERC-20 tokens through the shared sender: one send per withdrawal
 * (key `withdrawal:<id>`), stored signed before it is broadcast, its workflow told by the listener when confirmed.
 * Whichever provider is asked again for a withdrawal gets the send already stored for it, so failing over after a
 * send was stored rebroadcasts that one and never signs a second payment. A send stored whose broadcast failed is
 * answered all the same: it can still go out (the node may have taken it before its answer was lost, and `check`'s
 * reconcile broadcasts it), so the withdrawal must wait for it, not fail and be closed unpaid by an operator.
 */
import { ProviderRefusedError, type PayoutCheck, type PayoutRequest, type WithdrawalProvider } from './provider.js';
import type { Sql } from '../../platform/db/client.js';
import type { CurrencyCatalog } from '../../services/currencies/catalog.js';
import { committedByOpenSends, sendsByKeys } from '../evm/sends-store.js';
import type { Logger } from '../../platform/log.js';
import type { EvmContext } from '../evm/context.js';
import type { Signer } from '../evm/signer-thread.js';
import { encodeTransfer } from '../evm/erc20.js';
import { quoteFees, tokenBalance } from '../evm/provider.js';

const ETH = 'ETH';
const ETH_TRANSFER_GAS = 21_000n;
/** Headroom over a token transfer's estimated gas: state may change between estimate and inclusion. */
const GAS_HEADROOM_PERCENT = 20n;

const PAYOUT_SEND_PREFIX = 'withdrawal:';
export const payoutSendKey = (withdrawalId: string) => `${PAYOUT_SEND_PREFIX}${withdrawalId}`;
/** The withdrawal a send's key pays, or null for a send of another purpose. */
export const withdrawalOfSendKey = (key: string) =>
  key.startsWith(PAYOUT_SEND_PREFIX) ? key.slice(PAYOUT_SEND_PREFIX.length) : null;

export class EvmHotWallet implements WithdrawalProvider {
  readonly chain: string;
  private readonly wallet: Signer;

  constructor(
    readonly id: string,
    privateKey: string,
    readonly currencies: string[],
    private readonly deps: { sql: Sql; evm: EvmContext; catalog: CurrencyCatalog; log: Logger },
  ) {
    this.wallet = deps.evm.signers.keySigner(privateKey);
    this.chain = deps.evm.chain;
  }

  get address(): string {
    return this.wallet.address;
  }

  async send(request: PayoutRequest): Promise<{ txHash: string }> {
    const key = payoutSendKey(request.withdrawalId);
    try {
      return await this.storeAndBroadcast(key, request);
    } catch (error) {
      const stored = (await sendsByKeys(this.deps.sql, this.deps.evm.chain, [key])).get(key);
      if (!stored) throw error;
      this.deps.log.warn({ key, err: error }, 'withdrawal payout stored, its broadcast failed: the checks broadcast it');
      return { txHash: stored.attempts[stored.attempts.length - 1]!.txHash };
    }
  }

  private async storeAndBroadcast(key: string, request: PayoutRequest): Promise<{ txHash: string }> {
    const { sender, chain } = this.deps.evm;
    const stored = (await sendsByKeys(this.deps.sql, chain, [key])).get(key);
    if (stored) {
      if (stored.from !== this.address.toLowerCase())
        this.deps.log.warn({ key, from: stored.from }, 'resuming the payout another hot wallet stored');
      const resumed = await sender.send(this.wallet, {
        key,
        purpose: 'withdrawal',
        to: stored.to,
        value: stored.value,
        data: stored.data,
        gasLimit: stored.gasLimit,
        fees: stored.attempts[0]!,
      });
      return { txHash: resumed.attempts[resumed.attempts.length - 1]!.txHash };
    }
    if (!this.currencies.includes(request.currency))
      throw new ProviderRefusedError(`${this.id} does not pay ${request.currency}`);
    const transaction = await this.payoutTransaction(request);
    const sent = await sender.send(this.wallet, { key, purpose: 'withdrawal', notify: [key], ...transaction });
    this.deps.log.info({ key, from: this.address, hash: sent.attempts[0]!.txHash }, 'withdrawal payout sent');
    return { txHash: sent.attempts[sent.attempts.length - 1]!.txHash };
  }

  /** Confirmed when mined at the withdrawal's depth and succeeded; a reverted payout is failed, never paid. */
  async check(withdrawalId: string, _txHash: string, confirmations: number): Promise<PayoutCheck> {
    const { sender } = this.deps.evm;
    // a payout not mined in time is rebroadcast, or resubmitted with higher fees on the same nonce
    await sender.reconcile(this.wallet, { staleAfterMs: this.deps.evm.resubmitAfterMs, bump: true });
    const state = await sender.stateOf(payoutSendKey(withdrawalId));
    if (!state || state.send.status === 'pending') return { state: 'pending', confirmations: 0 };
    if (state.send.succeeded === false)
      return { state: 'failed', reason: `the payout transaction ${state.send.minedHash} reverted` };
    if (state.confirmations >= Math.max(confirmations, 1) && state.confirmed)
      return { state: 'confirmed', confirmations: state.confirmations, txHash: state.send.minedHash ?? undefined };
    return { state: 'pending', confirmations: state.confirmations };
  }

  /** The transaction paying `request`, refused (nothing stored) when this wallet cannot cover it with its gas. */
  private async payoutTransaction(request: PayoutRequest) {
    const { provider, chain } = this.deps.evm;
    const fees = await quoteFees(provider);
    const [balance, committed] = await Promise.all([
      provider.getBalance(this.address),
      committedByOpenSends(this.deps.sql, chain, this.address.toLowerCase()),
    ]);
    const spendable = balance - committed;
    if (request.currency === ETH) {
      const gasLimit = ETH_TRANSFER_GAS;
      if (spendable < request.amount + gasLimit * fees.maxFeePerGas) {
        throw new ProviderRefusedError(`${this.id} has ${spendable} wei free, the payout needs ${request.amount} plus gas`);
      }
      return { to: request.address, value: request.amount, gasLimit, fees };
    }
    const token = (await this.deps.catalog.get(request.currency))?.tokenContract;
    if (!token) throw new ProviderRefusedError(`${request.currency} has no token contract on ${chain}`);
    if ((await tokenBalance(provider, token, this.address)) < request.amount) {
      throw new ProviderRefusedError(`${this.id} holds too little ${request.currency} for the payout`);
    }
    const data = encodeTransfer(request.address, request.amount);
    const estimate = await provider.estimateGas({ from: this.address, to: token, data });
    const gasLimit = estimate + (estimate * GAS_HEADROOM_PERCENT) / 100n;
    if (spendable < gasLimit * fees.maxFeePerGas) throw new ProviderRefusedError(`${this.id} has too little ETH for gas`);
    return { to: token, value: 0n, data, gasLimit, fees };
  }
}
