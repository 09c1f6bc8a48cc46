/**
 * What the withdrawal workflow needs from a hot wallet, whatever the chain. The contract that makes failover safe:
 * `send` stores the signed transaction under the withdrawal before broadcasting, returns the stored one when asked
 * again, and throws only when nothing that could still go out was stored for this withdrawal. Once stored, a failed
 * broadcast (a node down, an answer lost) still answers the stored transaction: it may be on its way, and `check`
 * broadcasts it again, so the withdrawal waits for it instead of failing and being closed unpaid while it is paid.
 */

export interface PayoutRequest {
  withdrawalId: string;
  currency: string;
  amount: bigint;
  address: string;
  destinationTag: bigint | null;
}

export type PayoutCheck =
  | { state: 'pending'; confirmations: number }
  /** `txHash`: the transaction that paid, when it is not the one `send` answered (EVM: a raised fee's replacement). */
  | { state: 'confirmed'; confirmations: number; txHash?: string }
  | { state: 'failed'; reason: string };

export interface WithdrawalProvider {
  id: string;
  chain: string;
  currencies: string[];
  send(request: PayoutRequest): Promise<{ txHash: string }>;
  check(withdrawalId: string, txHash: string, confirmations: number): Promise<PayoutCheck>;
}

/** The provider cannot take this payout (not enough funds, destination refused): try the next one. */
export class ProviderRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProviderRefusedError';
  }
}
