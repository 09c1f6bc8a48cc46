/** Deposits: one per on-chain event (chain, tx, event key), credited to its user once, through the ledger. */
import { userAccountName, type TransferGroup, type TransferRequest } from '../ledger/engine.js';
import { invoiceAccount } from '../invoices/ledger.js';

/** held: kept, not credited yet (below the minimum, deposits off, or above the maximum): see ./settings.ts. */
export type DepositStatus = 'pending' | 'held' | 'credited' | 'dropped';

/** A chain's identifier in keys and workflow IDs: `evm-<chainId>` or `xrpl`, never containing ':'. */
export function evmChain(chainId: bigint | number): string {
  return `evm-${chainId}`;
}

export function isEvmChain(chain: string): boolean {
  return chain.startsWith('evm-');
}
export const XRPL_CHAIN = 'xrpl';

/** `key`: the event's key in its transaction (`deposits.event_key`): its index, or a token transfer's key. */
export function depositWorkflowId(chain: string, txHash: string, key: number | string): string {
  return `deposit:${chain}:${txHash}:${key}`;
}

/**
 * A token transfer's key in its transaction: the token, the address paid and the transfer's rank among the
 * transaction's positive transfers of that token to that address. Its log index counts the logs of the whole block, so
 * the same transfer mined again in another block (a reorg) would be another deposit, credited again (or another custody
 * top-up, booked again: they are keyed alike).
 */
export function tokenTransferKey(token: string, to: string, rank: number): string {
  return `${token}:${to}:${rank}`;
}

/** Company funds on a chain, in hot wallets (deposit addresses included) and in cold storage. */
export const hotCustodyAccount = (chain: string) => `custody:hot:${chain}`;
export const coldCustodyAccount = (chain: string) => `custody:cold:${chain}`;

export interface DepositCredit {
  workflowId: string;
  chain: string;
  userId: string;
  currency: string;
  amount: bigint;
  depositId: string;
  invoiceId?: string | null;
}

/**
 * Crediting a deposit: the hot custody account (what the company holds on chain) against the user's balance, or
 * against the invoice's account for a payment to an invoice (its merchant is credited when it settles).
 */
export function depositCreditGroup(d: DepositCredit): TransferGroup {
  return { transfers: [creditTransfer(d)] };
}

/**
 * Crediting a deposit together with deposits held on its address (below the minimum, or while deposits were off),
 * each by its own key, and the deposit fee on their total from the user to the fee account.
 */
export function heldDepositsCreditGroup(d: DepositCredit, released: DepositCredit[], fee: bigint): TransferGroup {
  const transfers: TransferRequest[] = [d, ...released].map(creditTransfer);
  if (fee > 0n) {
    transfers.push({
      kind: 'posted',
      key: `${d.workflowId}:fee`,
      debit: userAccountName(d.userId),
      credit: `fees:${d.currency}`,
      currency: d.currency,
      amount: fee,
      metadata: { type: 'deposit_fee', deposit_id: d.depositId, deposits: [d.depositId, ...released.map((r) => r.depositId)] },
    });
  }
  return { transfers };
}

function creditTransfer(d: DepositCredit): TransferRequest {
  return {
    kind: 'posted',
    key: `${d.workflowId}:credit`,
    debit: hotCustodyAccount(d.chain),
    credit: d.invoiceId ? invoiceAccount(d.invoiceId) : userAccountName(d.userId),
    currency: d.currency,
    amount: d.amount,
    metadata: {
      type: 'deposit',
      deposit_id: d.depositId,
      chain: d.chain,
      ...(d.invoiceId ? { invoice_id: d.invoiceId } : {}),
    },
  };
}
