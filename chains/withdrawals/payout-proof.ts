/**
 * Whether a transaction paid a withdrawal, read from the withdrawal's chain: what an operator closing a withdrawal as
 * succeeded must cite. Paid means in a block (a validated ledger) and successful, delivering the withdrawal's amount
 * of its currency to its address (and destination tag), sent by one of our hot wallets: the close posts the payout out of
 * hot custody, so a payment from anyone else (an operator's own wallet) would leave hot custody's books above its
 * wallets. An operator paying by hand pays from a hot wallet.
 */
import type { JsonRpcProvider } from 'ethers';
import { TES_SUCCESS } from '../../domain/xrpl-tracking/payments.js';
import { parseTransferLog } from '../evm/erc20.js';
import type { XrplConnection } from '../xrpl/connection.js';
import { fromTxAnswer, paymentOf } from '../xrpl/payments.js';

/** The chains a cited payout is read on; null where this process has none configured. */
export interface ChainReaders {
  evm: JsonRpcProvider | null;
  xrpl: XrplConnection | null;
}

/** What the withdrawal must have received. */
export interface ExpectedPayout {
  address: string;
  amount: bigint;
  destinationTag: bigint | null;
  /** The ERC-20 contract of a token payout; null for the chain's native currency. */
  tokenContract: string | null;
  /** The wallets it may come from: those hot custody books (EVM addresses lowercase). */
  payers: string[];
}

/** `reason` completes a sentence about the transaction ("… reverted"). */
export type PayoutProof = { paid: true } | { paid: false; reason: string };

const unpaid = (reason: string): PayoutProof => ({ paid: false, reason });

export async function evmPayoutProof(provider: JsonRpcProvider, expected: ExpectedPayout, txHash: string): Promise<PayoutProof> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(txHash)) return unpaid('is not an EVM transaction hash (0x and 64 hex digits)');
  const [tx, receipt] = await Promise.all([provider.getTransaction(txHash), provider.getTransactionReceipt(txHash)]);
  if (!tx || !receipt) return unpaid('is not in a block of this chain');
  if (receipt.status !== 1) return unpaid('reverted: it paid nothing');
  const to = expected.address.toLowerCase();
  const token = expected.tokenContract?.toLowerCase();
  const payments = token
    ? receipt.logs
        .map(parseTransferLog)
        .filter((t) => t?.token === token && t.to === to && t.value === expected.amount)
        .map((t) => t!.from)
    : tx.to?.toLowerCase() === to && tx.value === expected.amount
      ? [tx.from.toLowerCase()]
      : [];
  if (payments.length === 0) return unpaid("does not pay the withdrawal's amount to its address");
  return payments.some((from) => expected.payers.includes(from))
    ? { paid: true }
    : unpaid(`was sent by ${payments[0]}, not by one of our hot wallets`);
}

export async function xrplPayoutProof(xrpl: XrplConnection, expected: ExpectedPayout, txHash: string): Promise<PayoutProof> {
  if (!/^[0-9a-fA-F]{64}$/.test(txHash)) return unpaid('is not an XRPL transaction hash (64 hex digits)');
  const client = await xrpl.connected();
  let answer: Record<string, unknown>;
  try {
    const { result } = await client.request({ command: 'tx', transaction: txHash.toUpperCase() });
    answer = result as unknown as Record<string, unknown>;
  } catch (error) {
    if ((error as { data?: { error?: string } }).data?.error === 'txnNotFound') return unpaid('is not in the ledger');
    throw error;
  }
  const payment = paymentOf(fromTxAnswer(answer));
  if (!payment) return unpaid('is not a payment in a validated ledger');
  if (payment.result !== TES_SUCCESS) return unpaid(`failed on the ledger (${payment.result}): it paid nothing`);
  const { delivered } = payment;
  const paid =
    payment.destination === expected.address &&
    payment.destinationTag === expected.destinationTag &&
    delivered?.kind === 'xrp' &&
    delivered.drops === expected.amount;
  if (!paid) return unpaid("does not deliver the withdrawal's amount to its address and destination tag");
  return expected.payers.includes(payment.source)
    ? { paid: true }
    : unpaid(`was sent by ${payment.source}, not by one of our hot wallets`);
}
