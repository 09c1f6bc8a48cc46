/**
 * An operator's close as failed releases the hold, so it is refused while the withdrawal's own payout can still pay it
 * (`ensureUnpaid`). An operator's close as succeeded posts the payout out of hot custody, so it must name a transaction that paid the
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
import { payoutSendKey, withdrawalOfSendKey } from '../../chains/withdrawals/evm-hot-wallet.js';
import { canNoLongerApply, ledgerResult, payoutKey } from '../../chains/withdrawals/xrpl-hot-wallet.js';
import { payoutByKey } from '../../chains/withdrawals/xrpl-payouts-store.js';
import { sendsByTxHashes, sendsUnderKey } from '../../chains/evm/sends-store.js';
import { detectChain } from '../../chains/evm/provider.js';
import { TES_SUCCESS } from '../../domain/xrpl-tracking/payments.js';
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
  const other = await otherWithdrawalPaidBy(deps, w, txHash);
  if (other) throw refused(ErrorCode.PayoutUnproven, `${txHash} is recorded for withdrawal ${other}`);
  const proof = await readProof(deps, w, txHash);
  if (!proof.paid) throw refused(ErrorCode.PayoutUnproven, `${txHash} ${proof.reason}`);
}

/**
 * The other withdrawal `txHash` paid: the one whose row records it, or on EVM the one whose payout signed it. A payout
 * whose fees were raised is mined under a later attempt's hash, which its row does not record: cited for another
 * withdrawal to the same address and amount, it proved that one paid too, and one payment was booked twice.
 */
async function otherWithdrawalPaidBy(deps: PayoutEvidenceDeps, w: Withdrawal, txHash: string): Promise<string | null> {
  const recorded = await otherWithdrawalOfTransaction(deps.sql, txHash, w.id);
  if (recorded) return recorded;
  if ((await deps.currencies.get(w.currency))?.network !== 'evm') return null;
  const evmChains = await configuredEvmChains(deps.chains, (reason) =>
    refused(ErrorCode.Unavailable, `cannot be checked now: the evm node did not answer (${reason})`),
  );
  const hash = txHash.toLowerCase();
  for (const chain of evmChains) {
    const send = (await sendsByTxHashes(deps.sql, chain, [hash])).get(hash);
    const paid = send && withdrawalOfSendKey(send.key);
    if (paid && paid !== w.id) return paid;
  }
  return null;
}

/**
 * A close as failed releases the hold, so the withdrawal's own payout must be one that can no longer pay it: an EVM
 * send not mined yet will be (its nonce must be used before any later send of its wallet, and its fees are raised until
 * it is), one mined and successful paid it; an XRP payout not validated may apply until the validated ledger passes its
 * LastLedgerSequence. Refused naming `outcome`: wait for the payout, or close as succeeded once it paid.
 */
export async function ensureUnpaid({ sql, currencies, chains }: PayoutEvidenceDeps, w: Withdrawal): Promise<void> {
  const refuse = (message: string, code: ErrorCode = ErrorCode.Conflict) =>
    new DomainError(code, `outcome failed is refused: ${message}`, [{ path: 'outcome', message }]);
  const network = (await currencies.get(w.currency))?.network;
  if (network === 'evm') {
    const evmChains = await configuredEvmChains(chains, (reason) =>
      refuse(`its payout cannot be checked now: the evm node did not answer (${reason})`, ErrorCode.Unavailable),
    );
    for (const send of await sendsUnderKey(sql, evmChains, payoutSendKey(w.id))) {
      const hash = send.minedHash ?? send.attempts[send.attempts.length - 1]!.txHash;
      if (send.status === 'pending')
        throw refuse(
          `its payout ${hash} is not mined yet and can still be (the sender broadcasts it, raising its fees, until it is)`,
        );
      if (send.succeeded) throw refuse(`its payout ${hash} paid it: close it as succeeded`);
    }
    return;
  }
  if (network !== 'xrpl') return;
  const payout = await payoutByKey(sql, payoutKey(w.id));
  if (!payout || payout.status === 'rejected') return;
  if (!chains.xrpl)
    throw refuse(`its payout ${payout.txHash} cannot be checked: no xrpl node is configured here`, ErrorCode.Unavailable);
  let result: Awaited<ReturnType<typeof ledgerResult>>;
  let expired = false;
  try {
    const client = await chains.xrpl.connected();
    result = await ledgerResult(client, payout.txHash);
    if (result === 'missing') expired = await canNoLongerApply(client, payout);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw refuse(
      `its payout ${payout.txHash} cannot be checked now: the xrpl node did not answer (${reason})`,
      ErrorCode.Unavailable,
    );
  }
  if (result === TES_SUCCESS) throw refuse(`its payout ${payout.txHash} paid it: close it as succeeded`);
  if (result === 'unvalidated' || (result === 'missing' && !expired))
    throw refuse(`its payout ${payout.txHash} may still apply, until ledger ${payout.lastLedgerSequence}`);
}

/**
 * The EVM chains payouts are sent on here: the node's, or none where no EVM node is configured (nothing was sent). A
 * node that does not answer is `unavailable`'s refusal.
 */
async function configuredEvmChains({ evm }: ChainReaders, unavailable: (reason: string) => DomainError): Promise<string[]> {
  if (!evm) return [];
  try {
    return [(await detectChain(evm)).chain];
  } catch (error) {
    throw unavailable(error instanceof Error ? error.message : String(error));
  }
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
