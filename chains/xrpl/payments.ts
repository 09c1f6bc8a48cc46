/**
 * Reading Payments off the wire: transaction stream messages, account_tx entries and tx answers, in rippled's API v1
 * and v2 shapes, become XrplPayment records. Only validated Payments are returned; everything else is null (XRP
 * delivered by other transaction types is read by deliveries.ts, with this file's envelope and amount readers).
 */
import type { DeliveredAmount, XrplPayment } from '../../domain/xrpl-tracking/payments.js';
import { TES_SUCCESS } from '../../domain/xrpl-tracking/payments.js';

/** Seconds from the Unix epoch to the Ripple epoch (2000-01-01T00:00:00Z), in which `date` fields count. */
const RIPPLE_EPOCH_OFFSET = 946_684_800;
const TF_PARTIAL_PAYMENT = 0x0002_0000;
const HASH = /^[0-9A-F]{64}$/;
const DROPS = /^\d{1,20}$/;

/** A transaction as both wire shapes carry it, before we know whether it is a Payment. */
export interface WireTransaction {
  tx: Record<string, unknown>;
  meta: unknown;
  hash?: unknown;
  ledgerIndex?: unknown;
  closeTimeIso?: unknown;
  validated?: unknown;
}

export class MalformedTransaction extends Error {
  override name = 'MalformedTransaction';
}

export type Json = Record<string, unknown>;
export const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The transaction and what its envelope (a stream message, an account_tx entry, a tx answer) says of it. */
const wireTransaction = (tx: Json, envelope: Json): WireTransaction => ({
  tx,
  meta: envelope.meta,
  hash: envelope.hash,
  ledgerIndex: envelope.ledger_index,
  closeTimeIso: envelope.close_time_iso,
  validated: envelope.validated,
});

/** A `transaction` stream message: API v2 has `tx_json`, `hash`, `close_time_iso`; v1 has `transaction`. */
export function fromStreamMessage(message: Json): WireTransaction {
  const tx = message.tx_json ?? message.transaction;
  if (!isObject(tx)) throw new MalformedTransaction('stream message without a transaction');
  return wireTransaction(tx, message);
}

/** An account_tx entry: API v2 has `tx_json` and `hash` beside it; v1 (requestAll sends no api_version) has `tx`. */
export function fromAccountTxEntry(entry: Json): WireTransaction {
  const tx = entry.tx_json ?? entry.tx;
  if (!isObject(tx)) throw new MalformedTransaction('account_tx entry without a transaction (binary entries are not requested)');
  return wireTransaction(tx, entry);
}

/** A `tx` answer: API v2 has `tx_json` beside `hash` and `meta`; v1 has the transaction's fields at its top level. */
export function fromTxAnswer(answer: Json): WireTransaction {
  const tx = answer.tx_json ?? answer;
  if (!isObject(tx)) throw new MalformedTransaction('tx answer without a transaction');
  return wireTransaction(tx, answer);
}

/** The Payment this transaction is, or null if it is not a validated Payment. */
export function paymentOf(wire: WireTransaction): XrplPayment | null {
  const { tx } = wire;
  if (tx.TransactionType !== 'Payment' || wire.validated !== true) return null;
  const { place, meta } = placeOf(wire);
  const { hash, result } = place;
  if (typeof tx.Account !== 'string' || typeof tx.Destination !== 'string')
    throw new MalformedTransaction(`${hash}: no Account or Destination`);

  const flags = typeof tx.Flags === 'number' ? tx.Flags : 0;
  const partial = (flags & TF_PARTIAL_PAYMENT) !== 0;
  return {
    ...place,
    source: tx.Account,
    destination: tx.Destination,
    destinationTag: tagOf(tx.DestinationTag, hash),
    sourceTag: tagOf(tx.SourceTag, hash),
    partial,
    delivered: result === TES_SUCCESS ? deliveredOf(meta, hash) : null,
  };
}

/** Where and when a validated transaction is, and its result: what every record of one carries. */
export type LedgerPlace = Pick<XrplPayment, 'hash' | 'ledgerIndex' | 'transactionIndex' | 'closeTime' | 'result'>;

/** The place of a validated transaction and its JSON metadata; throws when either cannot be read. */
export function placeOf(wire: WireTransaction): { place: LedgerPlace; meta: Json } {
  const { tx } = wire;
  if (!isObject(wire.meta)) throw new MalformedTransaction(`a validated ${String(tx.TransactionType)} without JSON metadata`);
  const meta = wire.meta;
  const hash = String(wire.hash ?? tx.hash ?? '').toUpperCase();
  if (!HASH.test(hash)) throw new MalformedTransaction(`bad transaction hash ${JSON.stringify(wire.hash ?? tx.hash)}`);
  const ledgerIndex = Number(wire.ledgerIndex ?? tx.ledger_index ?? tx.inLedger);
  if (!Number.isSafeInteger(ledgerIndex) || ledgerIndex <= 0) throw new MalformedTransaction(`${hash}: bad ledger index`);
  const transactionIndex = Number(meta.TransactionIndex);
  if (!Number.isSafeInteger(transactionIndex) || transactionIndex < 0)
    throw new MalformedTransaction(`${hash}: bad TransactionIndex`);
  const result = meta.TransactionResult;
  if (typeof result !== 'string') throw new MalformedTransaction(`${hash}: no TransactionResult`);
  return { place: { hash, ledgerIndex, transactionIndex, closeTime: closeTimeOf(wire, hash), result }, meta };
}

function closeTimeOf(wire: WireTransaction, hash: string): Date {
  const { closeTimeIso } = wire;
  const date = wire.tx.date;
  const time =
    typeof closeTimeIso === 'string'
      ? new Date(closeTimeIso)
      : typeof date === 'number'
        ? new Date((date + RIPPLE_EPOCH_OFFSET) * 1000)
        : typeof date === 'string'
          ? new Date(date)
          : null;
  if (!time || Number.isNaN(time.getTime())) throw new MalformedTransaction(`${hash}: no close time`);
  return time;
}

export function tagOf(value: unknown, hash: string): bigint | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 4_294_967_295) {
    throw new MalformedTransaction(`${hash}: bad tag ${JSON.stringify(value)}`);
  }
  return BigInt(value);
}

/**
 * `meta.delivered_amount` (or the ledger's own DeliveredAmount) is the truth, never Amount. Servers answer
 * "unavailable" for payments of ledgers from before DeliveredAmount existed (2014): rippled itself will not take
 * Amount for them, partial flag or not, and neither do we: unknown, for an operator to look at.
 */
export function deliveredOf(meta: Json, hash: string): DeliveredAmount | null {
  const delivered = meta.delivered_amount ?? meta.DeliveredAmount;
  return delivered === undefined || delivered === 'unavailable' ? null : amountOf(delivered, hash);
}

export function amountOf(amount: unknown, hash: string): DeliveredAmount {
  if (typeof amount === 'string' && DROPS.test(amount)) return { kind: 'xrp', drops: BigInt(amount) };
  if (isObject(amount) && typeof amount.value === 'string') {
    if (typeof amount.mpt_issuance_id === 'string')
      return { kind: 'mpt', mptIssuanceId: amount.mpt_issuance_id, value: amount.value };
    if (typeof amount.currency === 'string' && typeof amount.issuer === 'string') {
      return { kind: 'issued', currency: amount.currency, issuer: amount.issuer, value: amount.value };
    }
  }
  throw new MalformedTransaction(`${hash}: unreadable amount ${JSON.stringify(amount)}`);
}
