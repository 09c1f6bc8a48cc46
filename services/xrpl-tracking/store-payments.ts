/**
 * Recording what was seen on the XRP Ledger, shared by the listener and the backfill: one transaction inserts a
 * batch of payments (idempotent by hash), records the deposits among them and, for the listener, advances the
 * accounts' checkpoint. Only payments seen for the first time are matched to deposits, so a payment seen by both
 * the stream and a backfill is one deposit.
 */
import {
  depositDecision,
  TES_SUCCESS,
  XRP_CURRENCY,
  XRP_SCALE,
  type DepositDecision,
  type XrplPayment,
} from '../../domain/xrpl-tracking/payments.js';
import { xrplDepositWorkflowId } from '../../workflows/deposits/xrpl/messages.js';
import { XRPL_CHAIN } from '../../domain/deposits/credit.js';
import { formatAmount } from '../../domain/money.js';
import type { Sql, Tx } from '../../platform/db/client.js';
import { invoiceTagOwners, recordDeposit, tagOwners } from '../deposits/client.js';
import { payoutsByHash } from '../../chains/withdrawals/xrpl-payouts-store.js';

/** A deposit recorded by this batch: its workflow is to be signalled. */
export interface RecordedDeposit {
  hash: string;
  ledgerIndex: number;
  depositId: string;
  userId: string;
  drops: bigint;
  /** A payment to an invoice's tag (`userId` is its merchant). */
  invoiceId?: string;
}

/** A payout of a hot wallet (a withdrawal) seen validated: its workflow is to be told. */
export interface SeenPayout {
  /** The payout's key, which is its withdrawal's workflow ID. */
  key: string;
  hash: string;
  succeeded: boolean;
  result: string;
}

export interface StoreOutcome {
  /** Payments new to Sluice. */
  inserted: number;
  /** Payments of no watched account (removed meanwhile), not stored. */
  ignored: number;
  deposits: RecordedDeposit[];
  payouts: SeenPayout[];
}

export interface Checkpoint {
  /** Accounts followed live, whose every payment up to `ledger` is in this batch or already stored. */
  addresses: string[];
  ledger: number;
}

export async function storePayments(sql: Sql, payments: XrplPayment[], checkpoint?: Checkpoint): Promise<StoreOutcome> {
  // in hash order: two batches sharing payments (the stream and a backfill) take their row locks in the same order
  const unique = [...new Map(payments.map((p) => [p.hash, p])).values()].sort((a, b) =>
    a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0,
  );
  return sql.begin(async (tx) => {
    const outcome = unique.length > 0 ? await insertPayments(tx, unique) : { inserted: 0, ignored: 0, deposits: [], payouts: [] };
    if (checkpoint && checkpoint.addresses.length > 0) {
      await tx`
        update xrpl_accounts set complete_through_ledger = ${checkpoint.ledger}
        where address = any(${tx.array([...checkpoint.addresses].sort())}::text[]) and complete_through_ledger < ${checkpoint.ledger}`;
    }
    return outcome;
  });
}

async function insertPayments(tx: Tx, payments: XrplPayment[]): Promise<StoreOutcome> {
  // key-share locks: an account being removed waits for this batch, or this batch sees it gone
  const involved = [...new Set(payments.flatMap((p) => [p.source, p.destination]))].sort();
  const watched = await tx`
    select address, is_deposit_address from xrpl_accounts where address = any(${tx.array(involved)}::text[])
    order by address for key share`;
  const watchedSet = new Set(watched.map((r) => r.address as string));
  const depositAddresses = new Set(watched.filter((r) => r.isDepositAddress).map((r) => r.address as string));
  const relevant = payments.filter((p) => watchedSet.has(p.source) || watchedSet.has(p.destination));
  if (relevant.length === 0) return { inserted: 0, ignored: payments.length, deposits: [], payouts: [] };

  const known = await tx`select hash from xrpl_payments where hash = any(${tx.array(relevant.map((p) => p.hash))}::text[])`;
  const knownSet = new Set(known.map((r) => r.hash as string));
  const fresh = relevant.filter((p) => !knownSet.has(p.hash));
  const decisions = await decideDeposits(tx, fresh, depositAddresses);
  const invoiceTags = await invoiceTagOwners(tx, [
    ...new Set(
      fresh.flatMap((p) => (decisions.get(p.hash)?.status === 'matched' && p.destinationTag !== null ? [p.destinationTag] : [])),
    ),
  ]);

  const recorded = new Map<string, RecordedDeposit>();
  for (const payment of fresh) {
    const decision = decisions.get(payment.hash);
    if (decision?.status !== 'matched') continue;
    const invoiceId = payment.destinationTag === null ? undefined : invoiceTags.get(payment.destinationTag)?.invoiceId;
    // idempotent per transaction: a concurrent batch with the same payment gets the same deposit row
    const deposit = await recordDeposit(tx, {
      userId: decision.userId,
      currency: XRP_CURRENCY,
      amount: decision.drops,
      chain: XRPL_CHAIN,
      txHash: payment.hash,
      eventIndex: 0,
      address: payment.destination,
      destinationTag: payment.destinationTag,
      workflowId: xrplDepositWorkflowId(payment.hash),
      invoiceId: invoiceId ?? null,
    });
    recorded.set(payment.hash, {
      hash: payment.hash,
      ledgerIndex: payment.ledgerIndex,
      depositId: deposit.id,
      userId: decision.userId,
      drops: decision.drops,
      ...(invoiceId ? { invoiceId } : {}),
    });
  }

  const rows = fresh.map((p) => ({
    ...columnsOf(p),
    decision: decisions.get(p.hash),
    depositId: recorded.get(p.hash)?.depositId ?? null,
  }));
  const inserted = await tx`
    insert into xrpl_payments (hash, ledger_index, transaction_index, close_time, source, destination, destination_tag,
      source_tag, result, partial, delivered_currency, delivered_issuer, delivered_mpt_id, delivered_value,
      delivered_drops, deposit_status, deposit_id)
    select * from unnest(
      ${tx.array(rows.map((r) => r.hash))}::text[],
      ${tx.array(rows.map((r) => r.ledgerIndex))}::bigint[],
      ${tx.array(rows.map((r) => r.transactionIndex))}::integer[],
      ${tx.array(rows.map((r) => r.closeTime))}::timestamptz[],
      ${tx.array(rows.map((r) => r.source))}::text[],
      ${tx.array(rows.map((r) => r.destination))}::text[],
      ${tx.array(rows.map((r) => r.destinationTag))}::bigint[],
      ${tx.array(rows.map((r) => r.sourceTag))}::bigint[],
      ${tx.array(rows.map((r) => r.result))}::text[],
      ${tx.array(rows.map((r) => r.partial))}::boolean[],
      ${tx.array(rows.map((r) => r.deliveredCurrency))}::text[],
      ${tx.array(rows.map((r) => r.deliveredIssuer))}::text[],
      ${tx.array(rows.map((r) => r.deliveredMptId))}::text[],
      ${tx.array(rows.map((r) => r.deliveredValue))}::text[],
      ${tx.array(rows.map((r) => r.deliveredDrops))}::numeric[],
      ${tx.array(rows.map((r) => r.decision?.status ?? null))}::text[],
      ${tx.array(rows.map((r) => r.depositId))}::bigint[])
    on conflict (hash) do nothing
    returning hash`;
  const insertedSet = new Set(inserted.map((r) => r.hash as string));
  const results = new Map(fresh.map((p) => [p.hash, p.result]));
  const payouts = (await payoutsByHash(tx, [...insertedSet])).map((p) => {
    const result = results.get(p.txHash)!;
    return { key: p.key, hash: p.txHash, result, succeeded: result === TES_SUCCESS };
  });
  return {
    inserted: inserted.length,
    ignored: payments.length - relevant.length,
    deposits: [...recorded.values()].filter((d) => insertedSet.has(d.hash)),
    payouts,
  };
}

async function decideDeposits(
  tx: Tx,
  payments: XrplPayment[],
  depositAddresses: Set<string>,
): Promise<Map<string, DepositDecision>> {
  const decisions = new Map<string, DepositDecision>();
  const toDeposit = payments.filter((p) => depositAddresses.has(p.destination));
  if (toDeposit.length === 0) return decisions;
  const owners = await tagOwners(tx, [
    ...new Set(toDeposit.flatMap((p) => (p.destinationTag === null ? [] : [p.destinationTag]))),
  ]);
  for (const payment of toDeposit) {
    const decision = depositDecision(
      payment,
      (a) => depositAddresses.has(a),
      (tag) => owners.get(tag),
    );
    if (decision) decisions.set(payment.hash, decision);
  }
  return decisions;
}

/** A payment as its table's columns: amounts as strings, XRP also in drops (Sluice's minor units). */
function columnsOf(p: XrplPayment) {
  const d = p.delivered;
  return {
    hash: p.hash,
    ledgerIndex: String(p.ledgerIndex),
    transactionIndex: String(p.transactionIndex),
    closeTime: p.closeTime.toISOString(),
    source: p.source,
    destination: p.destination,
    destinationTag: p.destinationTag?.toString() ?? null,
    sourceTag: p.sourceTag?.toString() ?? null,
    result: p.result,
    partial: p.partial,
    deliveredCurrency: d?.kind === 'xrp' ? XRP_CURRENCY : d?.kind === 'issued' ? d.currency : null,
    deliveredIssuer: d?.kind === 'issued' ? d.issuer : null,
    deliveredMptId: d?.kind === 'mpt' ? d.mptIssuanceId : null,
    deliveredValue: d === null ? null : d.kind === 'xrp' ? formatAmount(d.drops, XRP_SCALE) : d.value,
    deliveredDrops: d?.kind === 'xrp' ? d.drops.toString() : null,
  };
}
