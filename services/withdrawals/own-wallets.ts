/**
 * The one rule on withdrawals to addresses of our own, asked when a withdrawal is requested and again by its workflow
 * before the first provider signs. The custody wallets are those the asking process's configuration names, known from
 * its start, and those any worker registered (a wallet added to a worker's configuration but not yet to the API's is
 * refused before sending only).
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db } from '../../platform/db/client.js';
import { isCustodyAddress, type CustodyWalletAddresses } from '../reconciliation/client.js';
import { depositDecisionFor } from '../xrpl-tracking/client.js';

/**
 * A payout to an address of our own. To a deposit address it is a deposit of whoever holds it (on XRPL, its tag),
 * credited like any other, the payer's own included; one that would credit nobody there (no tag, a tag nobody holds) is
 * refused. To a custody wallet (a hot wallet, the cold wallet, the gas keeper) it is refused on both networks: the
 * payer's balance would pay our own wallet and be credited to no one, the custody books drifting until an operator gives
 * it back (to the hot wallet paying it, a payment to itself: the XRP Ledger refuses it, an EVM chain moves only gas).
 */
export async function refusePayingOurselves(
  db: Db,
  configured: CustodyWalletAddresses,
  network: 'evm' | 'xrpl',
  address: string,
  destinationTag: bigint | null,
  amount: bigint,
): Promise<void> {
  const decision =
    network === 'xrpl' ? await depositDecisionFor(db, { destination: address, destinationTag, drops: amount }) : null;
  if (decision?.status === 'matched') return;
  if (decision) {
    const message =
      decision.status === 'missing_tag'
        ? "is required to pay Sluice's own deposit address: it names whose deposit the payment is"
        : "belongs to nobody at Sluice's own deposit address: the payment would be credited to no one";
    throw new DomainError(ErrorCode.ValidationFailed, `destination_tag ${message}`, [{ path: 'destination_tag', message }]);
  }
  const ours = configured[network].has(network === 'evm' ? address.toLowerCase() : address);
  if (ours || (await isCustodyAddress(db, network, address))) {
    const message = "is one of Sluice's own wallets: the payout would leave your balance and be credited to no one";
    throw new DomainError(ErrorCode.InvalidAddress, `address ${message}`, [{ path: 'address', message }]);
  }
}
