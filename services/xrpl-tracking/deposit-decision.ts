/**
 * What an XRP payment not yet made would be to deposits, decided as the listener will decide it once the payment is
 * validated: by the watched deposit addresses and the owners of destination tags (a withdrawal asks before it pays).
 */
import { depositDecision, TES_SUCCESS, type DepositDecision } from '../../domain/xrpl-tracking/payments.js';
import type { Db } from '../../platform/db/client.js';
import { tagOwners } from '../deposits/client.js';
import { accountByAddress } from './accounts-store.js';

/** Null when the destination is no deposit address of ours. */
export async function depositDecisionFor(
  db: Db,
  payment: { destination: string; destinationTag: bigint | null; drops: bigint },
): Promise<DepositDecision | null> {
  const account = await accountByAddress(db, payment.destination);
  if (!account?.isDepositAddress) return null;
  const owners = payment.destinationTag === null ? new Map<bigint, string>() : await tagOwners(db, [payment.destinationTag]);
  return depositDecision(
    { ...payment, result: TES_SUCCESS, delivered: { kind: 'xrp', drops: payment.drops } },
    (address) => address === account.address,
    (tag) => owners.get(tag),
  );
}
