/**
 * Collection of deposit wallets into the cold wallet: the arithmetic of fees, gas funding and confirmations, and the
 * ledger entries a sweep makes. Custody accounts are assets (debit-normal): what a wallet holds on chain is the
 * account's debits minus its credits, so a deposit debits `custody:hot`, and a sweep debits `custody:cold` and
 * credits `custody:hot`. Gas is an expense (`fees:network:<chain>`), paid by whichever wallet sent the transaction.
 */
import { coldCustodyAccount, hotCustodyAccount } from '../deposits/credit.js';
import type { TransferRequest } from '../ledger/engine.js';
import { divCeil } from '../money.js';
import { extended } from '../objects.js';

export const NATIVE_TRANSFER_GAS = 21_000n;

export const gasKeeperAccount = (chain: string) => `custody:gas-keeper:${chain}`;

/** Keys of early fundings: the gas keeper funds a token deposit's wallet while the deposit confirms. */
export const earlyFundingPrefix = (chain: string) => `gas:${chain}:`;
/** One early funding per wallet need: the wallet, and the first deposit it was funded for. */
export const earlyFundingKey = (chain: string, address: string, firstDepositId: string) =>
  `${earlyFundingPrefix(chain)}${address.toLowerCase()}:${firstDepositId}`;
export const networkFeesAccount = (chain: string) => `fees:network:${chain}`;

/** Confirmations of a transaction in `block` when the chain's head is `head` (the including block counts as one). */
export function confirmationsAt(block: bigint, head: bigint): number {
  return head < block ? 0 : Number(head - block + 1n);
}

/** The most a transaction can cost: every unit of its gas limit at its maximum fee. */
export function maxTransactionCost(gasLimit: bigint, maxFeePerGas: bigint): bigint {
  return gasLimit * maxFeePerGas;
}

/** What a native sweep sends: the whole balance less the most its fee can be (null when that leaves nothing). */
export function nativeSweepValue(balance: bigint, gasLimit: bigint, maxFeePerGas: bigint): bigint | null {
  const value = balance - maxTransactionCost(gasLimit, maxFeePerGas);
  return value > 0n ? value : null;
}

/** The gas a wallet must be sent before it can pay for a transaction: its cost plus a margin, less what it holds. */
export function gasFundingNeeded(cost: bigint, marginPercent: number, walletBalance: bigint): bigint {
  const wanted = divCeil(cost * BigInt(100 + marginPercent), 100n);
  return wanted > walletBalance ? wanted - walletBalance : 0n;
}

/**
 * Room in an early gas funding for the base fee to rise before its sweep is priced: the funding is quoted while the
 * deposit confirms, blocks before the sweep, and EIP-1559 lets the base fee rise 12.5% per full block, which a burst's
 * blocks are (its deposits, their fundings and sweeps); three such blocks make ×1.42. Without the room, a burst's token
 * sweeps, priced at the risen fee, each asked the keeper for the difference after their credit and waited a block or
 * more for it (a quiet 500 burst: 250 of 250 in one run). What is left over stays in the wallet and pays its next sweep.
 */
export const EARLY_FUNDING_FEE_RISE_PERCENT = 50;

/** An early gas funding: the token transfer's cost at the quoted fees, with room for them to rise, plus the margin. */
export function earlyFundingAmount(cost: bigint, marginPercent: number): bigint {
  return gasFundingNeeded(divCeil(cost * BigInt(100 + EARLY_FUNDING_FEE_RISE_PERCENT), 100n), marginPercent, 0n);
}

/** Gas limit for a contract call: the node's estimate with headroom, since state may move between estimate and send. */
export function gasLimitWithHeadroom(estimate: bigint, percent = 20): bigint {
  return divCeil(estimate * BigInt(100 + percent), 100n);
}

/** Fees of a replacement: nodes accept one only if both fees rise by at least 10%; a bump adds `percent` (≥ 10). */
export function bumpedFees(fees: { maxFeePerGas: bigint; maxPriorityFeePerGas: bigint }, percent = 25) {
  return {
    maxFeePerGas: divCeil(fees.maxFeePerGas * BigInt(100 + percent), 100n),
    maxPriorityFeePerGas: divCeil(fees.maxPriorityFeePerGas * BigInt(100 + percent), 100n),
  };
}

/** What a finished sweep put on chain, in minor units; gas is always in the chain's native currency. */
export interface SweepOutcome {
  sweepId: string;
  chain: string;
  currency: string;
  nativeCurrency: string;
  /** What reached the cold wallet (0 when the sweep transaction failed). */
  amount: bigint;
  sweepGas: bigint;
  funding: { amount: bigint; gas: bigint } | null;
  depositIds: string[];
  txHash: string;
}

/**
 * The ledger entries of a gas funding (keys `<key>` and `<key>-gas`): the keeper's ETH moves into the deposit wallet
 * (hot custody), and the gas it paid is a network fee. A sweep books its own funding with it; an early funding (sent
 * while a deposit confirmed) is booked on its own once confirmed, under its send's key.
 */
export function gasFundingTransfers(f: {
  key: string;
  chain: string;
  nativeCurrency: string;
  amount: bigint;
  gas: bigint;
  metadata: Record<string, unknown>;
}): TransferRequest[] {
  const keeper = gasKeeperAccount(f.chain);
  const transfers: TransferRequest[] = [];
  const posted = { kind: 'posted' as const, credit: keeper, currency: f.nativeCurrency, metadata: f.metadata };
  if (f.amount > 0n) transfers.push(extended(posted, { key: f.key, debit: hotCustodyAccount(f.chain), amount: f.amount }));
  if (f.gas > 0n) transfers.push(extended(posted, { key: `${f.key}-gas`, debit: networkFeesAccount(f.chain), amount: f.gas }));
  return transfers;
}

/**
 * The ledger entries of an early funding, one group of its own, keyed by its send (`gas:<chain>:…`, `…-gas`): booked
 * by the sweep that claimed it, in the sweep's transaction, or else by the reconciliation's booking (a deposit dropped
 * by a reorg left the gas in the wallet); the keys make the second a replay. A funding that failed on chain moved no
 * ETH but paid its gas.
 */
export function earlyFundingTransfers(f: {
  chain: string;
  nativeCurrency: string;
  key: string;
  value: bigint;
  succeeded: boolean;
  gas: bigint;
  txHash: string;
}): TransferRequest[] {
  return gasFundingTransfers({
    key: f.key,
    chain: f.chain,
    nativeCurrency: f.nativeCurrency,
    amount: f.succeeded ? f.value : 0n,
    gas: f.gas,
    metadata: { type: 'early_gas_funding', chain: f.chain, tx_hash: f.txHash, send_key: f.key },
  });
}

/**
 * The ledger entries of a sweep, one group: the amount moves from hot to cold custody, the gas keeper's funding
 * moves its ETH into the hot wallet, and every fee paid is booked as a network fee against the wallet that paid it.
 */
export function sweepLedgerTransfers(s: SweepOutcome): TransferRequest[] {
  const key = (step: string) => `sweep:${s.chain}:${s.sweepId}:${step}`;
  const hot = hotCustodyAccount(s.chain);
  const fees = networkFeesAccount(s.chain);
  const metadata = { type: 'sweep', sweep_id: s.sweepId, chain: s.chain, tx_hash: s.txHash };
  const transfers: TransferRequest[] = s.funding
    ? gasFundingTransfers(
        extended(s.funding, { key: key('funding'), chain: s.chain, nativeCurrency: s.nativeCurrency, metadata }),
      )
    : [];
  if (s.amount > 0n) {
    transfers.push({
      kind: 'posted',
      key: key('cold'),
      debit: coldCustodyAccount(s.chain),
      credit: hot,
      currency: s.currency,
      amount: s.amount,
      metadata: extended(metadata, { deposit_ids: s.depositIds }),
    });
  }
  if (s.sweepGas > 0n) {
    transfers.push({
      kind: 'posted',
      key: key('gas'),
      debit: fees,
      credit: hot,
      currency: s.nativeCurrency,
      amount: s.sweepGas,
      metadata,
    });
  }
  return transfers;
}
