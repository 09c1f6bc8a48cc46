/**
 * XRP reaching an account by a transaction other than a Payment, read off the wire into the same XrplPayment record,
 * so that it is stored, listed and matched to deposits as a Payment is: an escrow finished, a payment channel claimed,
 * a check cashed, an account deleted into its Destination. Who received it, their tag and what arrived come from what
 * the ledger records (the escrow, channel or check the transaction finished, the receiver's balance, DeliveredAmount),
 * never from an amount the submitter asked for.
 */
import type { DeliveredAmount, XrplPayment } from '../../domain/xrpl-tracking/payments.js';
import { TES_SUCCESS } from '../../domain/xrpl-tracking/payments.js';
import {
  amountOf,
  deliveredOf,
  isObject,
  type Json,
  MalformedTransaction,
  paymentOf,
  placeOf,
  tagOf,
  type WireTransaction,
} from './payments.js';

/** Who sent what to whom, under which tags, as the ledger objects the transaction changed say. */
interface Delivery {
  source: string;
  destination: string;
  destinationTag: bigint | null;
  sourceTag: bigint | null;
  /** Null when the ledger no longer says (CheckCash from before its DeliveredAmount, 2018). */
  delivered: DeliveredAmount | null;
}

type DeliveryReader = (tx: Json, meta: Json, hash: string) => Delivery | null;

/**
 * The transfer this transaction is: a validated Payment (failed ones too: a payout's fee is booked from it), or XRP
 * another validated, successful transaction delivered; null for anything else, and for one that delivered nothing.
 */
export function transferOf(wire: WireTransaction): XrplPayment | null {
  const { tx } = wire;
  if (tx.TransactionType === 'Payment') return paymentOf(wire);
  const read = READERS[String(tx.TransactionType)];
  if (!read || wire.validated !== true) return null;
  const { place, meta } = placeOf(wire);
  // a failed one burnt its submitter's fee and moved nothing, and Sluice submits none of these types
  if (place.result !== TES_SUCCESS) return null;
  const delivery = read(tx, meta, place.hash);
  return delivery ? { ...place, ...delivery, partial: false } : null;
}

const READERS: Record<string, DeliveryReader> = {
  // the deleted account's whole balance, less the fee, goes to Destination; the tag is on the transaction (the ledger
  // refuses one without it to an account that requires tags), and rippled records DeliveredAmount
  AccountDelete: (tx, meta, hash) => {
    const destination = accountOf(tx.Destination, hash);
    const delivered = deliveredOf(meta, hash) ?? xrpReceived(meta, destination, tx, hash);
    return delivery({ source: accountOf(tx.Account, hash), destination, tags: tx, delivered }, hash);
  },

  // only the check's Destination can cash it (tx.Account); the check's tags are the CheckCreate's, on the deleted Check
  CheckCash: (tx, meta, hash) => {
    const check = ledgerEntry(meta, 'Check', hash);
    if (!check) throw new MalformedTransaction(`${hash}: a cashed check without its Check entry`);
    const destination = accountOf(check.Destination, hash);
    const delivered = deliveredOf(meta, hash) ?? xrpReceived(meta, destination, tx, hash);
    return delivery({ source: accountOf(check.Account, hash), destination, tags: check, delivered }, hash);
  },

  // the whole escrow goes to its Destination, whoever submits the finish; its tags are the EscrowCreate's
  EscrowFinish: (tx, meta, hash) => {
    const escrow = ledgerEntry(meta, 'Escrow', hash);
    if (!escrow) throw new MalformedTransaction(`${hash}: a finished escrow without its Escrow entry`);
    const destination = accountOf(escrow.Destination, hash);
    // a token escrow (TokenEscrow) moves no XRP: what it held is what arrived, for an operator to look at
    const delivered =
      typeof escrow.Amount === 'string' ? xrpReceived(meta, destination, tx, hash) : amountOf(escrow.Amount, hash);
    return delivery({ source: accountOf(escrow.Account, hash), destination, tags: escrow, delivered }, hash);
  },

  // a claim raises the channel's Balance and pays that much to its Destination (a renewal or a close request delivers
  // nothing; what a close returns goes back to the channel's owner, no delivery); the tags are the channel's
  PaymentChannelClaim: (tx, meta, hash) => {
    const channel = ledgerEntry(meta, 'PayChannel', hash);
    if (!channel) return null;
    const destination = accountOf(channel.Destination, hash);
    const delivered = xrpReceived(meta, destination, tx, hash);
    return delivery({ source: accountOf(channel.Account, hash), destination, tags: channel, delivered }, hash);
  },
};

function delivery(
  d: { source: string; destination: string; tags: Json; delivered: DeliveredAmount | null },
  hash: string,
): Delivery | null {
  if (d.delivered?.kind === 'xrp' && d.delivered.drops <= 0n) return null;
  return {
    source: d.source,
    destination: d.destination,
    destinationTag: tagOf(d.tags.DestinationTag, hash),
    sourceTag: tagOf(d.tags.SourceTag, hash),
    delivered: d.delivered,
  };
}

function accountOf(value: unknown, hash: string): string {
  if (typeof value !== 'string') throw new MalformedTransaction(`${hash}: no account where one is needed`);
  return value;
}

/** The final fields of the one ledger entry of this type the transaction deleted or modified, if any. */
function ledgerEntry(meta: Json, type: string, hash: string): Json | null {
  const nodes = Array.isArray(meta.AffectedNodes) ? meta.AffectedNodes : [];
  for (const node of nodes) {
    const changed = isObject(node) ? (node.DeletedNode ?? node.ModifiedNode) : undefined;
    if (isObject(changed) && changed.LedgerEntryType === type) {
      if (!isObject(changed.FinalFields)) throw new MalformedTransaction(`${hash}: a ${type} entry without FinalFields`);
      return changed.FinalFields;
    }
  }
  return null;
}

/**
 * The XRP an account received: the rise of its AccountRoot's Balance, plus the fee when it submitted the transaction
 * itself (the ledger took exactly `Fee` from that same balance); nothing when its AccountRoot did not change.
 */
function xrpReceived(meta: Json, account: string, tx: Json, hash: string): DeliveredAmount {
  const nodes = Array.isArray(meta.AffectedNodes) ? meta.AffectedNodes : [];
  for (const node of nodes) {
    const modified = isObject(node) ? node.ModifiedNode : undefined;
    if (!isObject(modified) || modified.LedgerEntryType !== 'AccountRoot') continue;
    const final = modified.FinalFields;
    if (!isObject(final) || final.Account !== account) continue;
    const previous = isObject(modified.PreviousFields) ? modified.PreviousFields.Balance : undefined;
    if (previous === undefined) return { kind: 'xrp', drops: 0n };
    const rise = drops(final.Balance, hash) - drops(previous, hash);
    const fee = tx.Account === account ? drops(tx.Fee, hash) : 0n;
    return { kind: 'xrp', drops: rise + fee };
  }
  return { kind: 'xrp', drops: 0n };
}

function drops(value: unknown, hash: string): bigint {
  const amount = amountOf(value, hash);
  if (amount.kind !== 'xrp') throw new MalformedTransaction(`${hash}: a balance that is not XRP`);
  return amount.drops;
}
