/**
 * An operator's close as succeeded posts the payout out of hot custody, so it must name a transaction that paid the
 * withdrawal: the one cited (`tx_hash`), or else the withdrawal's own payout. It is read on the withdrawal's chain
 * (chains/withdrawals/payout-proof.ts): a reverted or dropped payout, one the chain does not show, one paying another
 * address or amount, one not sent by a wallet of hot custody, or one already recorded for another withdrawal is
 * refused, naming `tx_hash`.
 */
import {
  evmPayoutProof,
  xrplPayoutProof,
  type ChainReaders,
  type ExpectedPayout,
  type PayoutProof,
} from '../../chains/withdrawals/payout-proof.js';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db } from '../../platform/db/client.js';
import type { CurrencyCatalog } from '../currencies/catalog.js';
import { hotCustodyWallets } from '../reconciliation/client.js';
import { otherWithdrawalOfTransaction, type Withdrawal } from './store.js';

export interface PayoutEvidenceDeps {
  sql: Db;
  currencies: CurrencyCatalog;
  chains: ChainReaders;
}

const refused = (code: ErrorCode, message: string) => new DomainError(code, `tx_hash ${message}`, [{ path: 'tx_hash', message }]);

export async function ensurePaidBy(deps: PayoutEvidenceDeps, w: Withdrawal, cited: string | undefined): Promise<void> {
  const txHash = cited ?? w.txHash;
  if (!txHash)
    throw refused(
      ErrorCode.PayoutUnproven,
      'is required: nothing was sent for this withdrawal, so name the transaction that paid it',
    );
  const other = await otherWithdrawalOfTransaction(deps.sql, txHash, w.id);
  if (other) throw refused(ErrorCode.PayoutUnproven, `${txHash} is recorded for withdrawal ${other}`);
  const proof = await readProof(deps, w, txHash);
  if (!proof.paid) throw refused(ErrorCode.PayoutUnproven, `${txHash} ${proof.reason}`);
}

async function readProof({ sql, currencies, chains }: PayoutEvidenceDeps, w: Withdrawal, txHash: string): Promise<PayoutProof> {
  const currency = await currencies.get(w.currency);
  const network = currency?.network;
  const { evm, xrpl } = chains;
  const read =
    network === 'evm' && evm
      ? (expected: ExpectedPayout) => evmPayoutProof(evm, expected, txHash)
      : network === 'xrpl' && xrpl
        ? (expected: ExpectedPayout) => xrplPayoutProof(xrpl, expected, txHash)
        : null;
  if (!read) throw refused(ErrorCode.Unavailable, `cannot be checked: no ${network ?? w.currency} node is configured here`);
  const expected: ExpectedPayout = {
    address: w.address,
    amount: w.amount,
    destinationTag: w.destinationTag,
    tokenContract: currency?.tokenContract ?? null,
    payers: await hotCustodyWallets(sql, network as 'evm' | 'xrpl'),
  };
  try {
    return await read(expected);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw refused(ErrorCode.Unavailable, `cannot be checked now: the ${network} node did not answer (${reason})`);
  }
}
