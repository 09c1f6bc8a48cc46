/** Deposits as users see them; each network's listener records them, the deposit workflows credit them. */
import { heldDepositsCreditGroup, XRPL_CHAIN, type DepositStatus } from '../../domain/deposits/credit.js';
import { decideDeposits, DEPOSIT_SETTINGS, type HoldReason } from '../../domain/deposits/settings.js';
import { feeFor } from '../../domain/fees.js';
import type { LedgerFailure } from '../../domain/ledger/engine.js';
import type { Db, Sql, Tx } from '../../platform/db/client.js';
import { commitGroups } from '../ledger/journal.js';
import { resolveSettingsForUsers } from '../settings/client.js';
import { publishDepositsCredited } from './webhook-event.js';
import { formatAmountForPeople } from '../../domain/money.js';
import { notifyUsers } from '../notifications/client.js';
import { extended } from '../../domain/objects.js';

export interface Deposit {
  id: string;
  userId: string;
  currency: string;
  amount: bigint;
  chain: string;
  txHash: string;
  /** Where the event was first seen in its block (a token transfer's log index there, 0 for an XRPL payment). */
  eventIndex: number;
  /** The event's identity in its transaction, whatever block holds it: its index, or a token transfer's key. */
  eventKey: string;
  address: string;
  destinationTag: bigint | null;
  /** A payment to an invoice's destination: credited to the invoice's account, not its merchant's (`userId`). */
  invoiceId: string | null;
  status: DepositStatus;
  workflowId: string;
  transferKey: string | null;
  detectedAt: Date;
  creditedAt: Date | null;
  holdReason: HoldReason | null;
  /** Set once credited: the user's fee, and what the deposit cost us at the provider. */
  fee: bigint | null;
  providerCost: bigint | null;
  /** The operator who credited it while held; null when credited by its workflow. */
  creditedBy: string | null;
  /** The deposit whose credit included this one (its own id when credited by itself); null until credited. */
  creditedWith: string | null;
}

export type NewDeposit = Pick<
  Deposit,
  'userId' | 'currency' | 'amount' | 'chain' | 'txHash' | 'eventIndex' | 'address' | 'workflowId'
> & {
  /** The index when not given (an XRPL payment, ether). */
  eventKey?: string;
  destinationTag?: bigint | null;
  invoiceId?: string | null;
};

export function toDeposit(r: Record<string, unknown>): Deposit {
  return {
    id: String(r.id),
    userId: r.userId as string,
    currency: r.currency as string,
    amount: r.amount as bigint,
    chain: r.chain as string,
    txHash: r.txHash as string,
    eventIndex: Number(r.eventIndex),
    eventKey: r.eventKey as string,
    address: r.address as string,
    destinationTag: r.destinationTag === null || r.destinationTag === undefined ? null : BigInt(r.destinationTag as string),
    invoiceId: (r.invoiceId as string | null) ?? null,
    status: r.status as DepositStatus,
    workflowId: r.workflowId as string,
    transferKey: (r.transferKey as string | null) ?? null,
    detectedAt: r.detectedAt as Date,
    creditedAt: (r.creditedAt as Date | null) ?? null,
    holdReason: (r.holdReason as HoldReason | null) ?? null,
    fee: (r.fee as bigint | null) ?? null,
    providerCost: (r.providerCost as bigint | null) ?? null,
    creditedBy: (r.creditedBy as string | null) ?? null,
    creditedWith: r.creditedWith === null || r.creditedWith === undefined ? null : String(r.creditedWith),
  };
}

/** Records a deposit once per (chain, tx, event key); seeing it again returns the stored row. */
export async function recordDeposit(db: Db, d: NewDeposit): Promise<Deposit> {
  return (await recordDeposits(db, [d]))[0]!;
}

/**
 * Records deposits once per (chain, tx, event key), in the order given (one statement for the new ones, one more for those
 * seen before); answers each one's stored row, in that order. A burst's block holds hundreds, recorded in the
 * listener's transaction that also credits the deposits a block confirms.
 */
export async function recordDeposits(db: Db, ds: NewDeposit[]): Promise<Deposit[]> {
  if (ds.length === 0) return [];
  const keyOf = (d: NewDeposit) => d.eventKey ?? String(d.eventIndex);
  const rows = ds.map((d, ord) => ({
    ord,
    user_id: d.userId,
    currency: d.currency,
    amount: d.amount.toString(),
    chain: d.chain,
    tx_hash: d.txHash,
    event_index: d.eventIndex,
    event_key: keyOf(d),
    address: d.address,
    destination_tag: d.destinationTag?.toString() ?? null,
    workflow_id: d.workflowId,
    invoice_id: d.invoiceId ?? null,
  }));
  const inserted = await db`
    insert into deposits (user_id, currency, amount, chain, tx_hash, event_index, event_key, address, destination_tag, workflow_id, invoice_id)
    select user_id, currency, amount, chain, tx_hash, event_index, event_key, address, destination_tag, workflow_id, invoice_id
    from jsonb_to_recordset(${db.json(rows)}) as v (
      ord int, user_id uuid, currency text, amount numeric, chain text, tx_hash text, event_index integer, event_key text,
      address text, destination_tag bigint, workflow_id text, invoice_id uuid)
    order by ord
    on conflict (chain, tx_hash, event_key) do nothing
    returning *`;
  const idOf = (chain: string, txHash: string, eventKey: string) => `${chain}:${txHash}:${eventKey}`;
  const stored = new Map(inserted.map(toDeposit).map((d) => [idOf(d.chain, d.txHash, d.eventKey), d]));
  const seenBefore = rows.filter((r) => !stored.has(idOf(r.chain, r.tx_hash, r.event_key)));
  if (seenBefore.length > 0) {
    const existing = await db`
      select d.* from deposits d
      join jsonb_to_recordset(${db.json(seenBefore.map((r) => ({ chain: r.chain, tx_hash: r.tx_hash, event_key: r.event_key })))})
        as v (chain text, tx_hash text, event_key text)
        on d.chain = v.chain and d.tx_hash = v.tx_hash and d.event_key = v.event_key`;
    for (const d of existing.map(toDeposit)) stored.set(idOf(d.chain, d.txHash, d.eventKey), d);
  }
  return rows.map((r) => stored.get(idOf(r.chain, r.tx_hash, r.event_key))!);
}

export async function depositById(db: Db, id: string): Promise<Deposit | null> {
  const [row] = await db`select * from deposits where id = ${id}`;
  return row ? toDeposit(row) : null;
}

export async function depositByWorkflowId(db: Db, workflowId: string): Promise<Deposit | null> {
  const [row] = await db`select * from deposits where workflow_id = ${workflowId}`;
  return row ? toDeposit(row) : null;
}

export type CreditOutcome =
  /** `released`: how many held deposits this call's credit released (a repeat, which changes nothing, answers none). */
  | { ok: true; deposit: Deposit; released?: number }
  | { ok: false; error: LedgerFailure | { code: 'deposit_dropped' | 'not_found' | 'not_held'; message: string } };

/**
 * Credits a pending deposit to its user: the ledger transfer and the status change commit together, and a second
 * call (a retried activity, a replayed workflow) changes nothing. A dropped deposit is never credited.
 */
export async function creditDeposit(sql: Sql, id: string): Promise<CreditOutcome> {
  return (await sql.begin((tx) => creditDeposits(tx, [id])))[0]!;
}

/**
 * Credits several deposits in the caller's transaction (the deposit creditor's group commit), answering each in
 * order, under the deposit settings of each user and currency: a deposit is credited (with those held on its address
 * before, less its fee), or held (decideDeposits says when). Rows are locked in id order, so two batches sharing
 * deposits never deadlock; asking again about a held or credited deposit changes nothing.
 */
export async function creditDeposits(tx: Tx, ids: string[]): Promise<CreditOutcome[]> {
  const rows = await tx`select * from deposits where id = any(${tx.array(ids)}::bigint[]) order by id for update`;
  const byId = new Map(rows.map((r) => [String(r.id), toDeposit(r)]));
  const outcomes = new Map<string, CreditOutcome>();
  const toDecide: Deposit[] = [];
  for (const id of new Set(ids)) {
    const deposit = byId.get(id);
    if (!deposit) outcomes.set(id, { ok: false, error: { code: 'not_found', message: `no deposit ${id}` } });
    else if (deposit.status === 'credited' || deposit.status === 'held') outcomes.set(id, { ok: true, deposit });
    else if (deposit.status === 'dropped')
      outcomes.set(id, { ok: false, error: { code: 'deposit_dropped', message: 'the deposit was dropped' } });
    else toDecide.push(deposit);
  }
  if (toDecide.length === 0) return ids.map((id) => outcomes.get(id)!);

  // what earlier deposits on these addresses left held, waiting for enough (not those held for an operator)
  const heldRows = await tx`
    select d.* from deposits d
    join (select unnest(${tx.array(toDecide.map((d) => d.userId))}::uuid[]) as user_id,
                 unnest(${tx.array(toDecide.map((d) => d.currency))}::text[]) as currency,
                 unnest(${tx.array(toDecide.map((d) => d.address))}::text[]) as address) s
      on d.user_id = s.user_id and d.currency = s.currency and d.address = s.address
    where d.status = 'held' and d.hold_reason in ('below_minimum', 'deposits_disabled')
    order by d.id for update of d`;
  const heldEarlier = [...new Map(heldRows.map((r) => [String(r.id), toDeposit(r)])).values()];
  const settings = await resolveSettingsForUsers(
    tx,
    DEPOSIT_SETTINGS,
    toDecide.map((d) => ({ subject: d.currency, userId: d.userId })),
  );
  const candidate = (d: Deposit) => extended(d, { depositId: d.id });
  const decisions = decideDeposits(toDecide.map(candidate), heldEarlier.map(candidate), (d) => settings(d.currency, d.userId));

  const credits = decisions.flatMap((decision) => (decision.kind === 'credit' ? [decision] : []));
  const holds = decisions.flatMap((decision) => (decision.kind === 'hold' ? [decision] : []));
  // a deposit held by this batch may be credited by a later one in it, with that one's credit
  const heldNow = new Map(holds.map((h) => [h.deposit.id, h]));
  const groups = credits.map((c) => heldDepositsCreditGroup(c.deposit, c.released, c.fee));
  const ledgered = await commitGroups(tx, groups);
  const credited: Array<{ id: string; transferKey: string; fee: bigint; providerCost: bigint | null; with: string }> = [];
  credits.forEach((credit, i) => {
    const outcome = ledgered[i]!;
    if (!outcome.ok) {
      outcomes.set(credit.deposit.id, { ok: false, error: outcome.error });
      return;
    }
    const { deposit } = credit;
    credited.push({
      id: deposit.id,
      transferKey: `${deposit.workflowId}:credit`,
      fee: credit.fee,
      providerCost: credit.providerCost,
      with: deposit.id,
    });
    for (const r of credit.released) {
      // a deposit held before this batch had its provider cost recorded then
      const providerCost = heldNow.get(r.id)?.providerCost ?? null;
      credited.push({ id: r.id, transferKey: `${r.workflowId}:credit`, fee: 0n, providerCost, with: deposit.id });
    }
  });
  if (credited.length > 0) {
    const updated = await tx`
      update deposits d set status = 'credited', credited_at = now(), hold_reason = null, transfer_key = c.transfer_key,
        fee = c.fee, provider_cost = coalesce(c.provider_cost, d.provider_cost), credited_with = c.credited_with
      from (select unnest(${tx.array(credited.map((c) => c.id))}::bigint[]) as id,
                   unnest(${tx.array(credited.map((c) => c.transferKey))}::text[]) as transfer_key,
                   unnest(${tx.array(credited.map((c) => c.fee.toString()))}::numeric[]) as fee,
                   unnest(${tx.array(credited.map((c) => c.providerCost?.toString() ?? null))}::numeric[]) as provider_cost,
                   unnest(${tx.array(credited.map((c) => c.with))}::bigint[]) as credited_with) c
      where d.id = c.id returning d.*`;
    const deposits = updated.map(toDeposit);
    for (const deposit of deposits) outcomes.set(deposit.id, { ok: true, deposit });
    for (const { deposit, released } of credits) {
      const outcome = outcomes.get(deposit.id);
      if (outcome?.ok && released.length > 0) outcome.released = released.length;
    }
    await announceCredited(tx, deposits);
    await queueUntoldCredits(
      tx,
      deposits.filter((d) => d.creditedWith !== d.id),
    );
  }
  const creditedIds = new Set(credited.map((c) => c.id));
  const stillHeld = holds.filter((h) => !creditedIds.has(h.deposit.id));
  if (stillHeld.length > 0) {
    const held = await tx`
      update deposits d set status = 'held', hold_reason = h.reason, provider_cost = h.provider_cost
      from (select unnest(${tx.array(stillHeld.map((h) => h.deposit.id))}::bigint[]) as id,
                   unnest(${tx.array(stillHeld.map((h) => h.reason))}::text[]) as reason,
                   unnest(${tx.array(stillHeld.map((h) => h.providerCost.toString()))}::numeric[]) as provider_cost) h
      where d.id = h.id returning d.*`;
    for (const row of held) outcomes.set(String(row.id), { ok: true, deposit: toDeposit(row) });
  }
  return ids.map((id) => outcomes.get(id)!);
}

/**
 * An operator credits a held deposit as it is (one held above the maximum, or one they will not have wait for more),
 * less the fee on its amount.
 */
export async function creditHeldDeposit(sql: Sql, id: string, operatorId: string): Promise<CreditOutcome> {
  return sql.begin(async (tx) => {
    const [row] = await tx`select * from deposits where id = ${id} for update`;
    if (!row) return { ok: false, error: { code: 'not_found', message: `no deposit ${id}` } };
    const held = toDeposit(row);
    if (held.status !== 'held') return { ok: false, error: { code: 'not_held', message: `the deposit is ${held.status}` } };
    const settings = (await resolveSettingsForUsers(tx, DEPOSIT_SETTINGS, [{ subject: held.currency, userId: held.userId }]))(
      held.currency,
      held.userId,
    );
    const full = feeFor(held.amount, settings.fee);
    const fee = full > held.amount ? held.amount : full;
    const group = heldDepositsCreditGroup(extended(held, { depositId: held.id }), [], fee);
    const [outcome] = await commitGroups(tx, [group]);
    if (!outcome!.ok) return { ok: false, error: outcome!.error };
    const [credited] = await tx`
      update deposits set status = 'credited', credited_at = now(), hold_reason = null, transfer_key = ${group.transfers[0]!.key},
        fee = ${fee.toString()}, credited_with = id, credited_by = ${operatorId}
      where id = ${id} returning *`;
    const deposit = toDeposit(credited!);
    await announceCredited(tx, [deposit]);
    await queueUntoldCredits(tx, [deposit]);
    return { ok: true, deposit };
  });
}

/**
 * Queues the held XRPL deposits just credited (an operator's, a release) for their workflows to be told, in the
 * crediting transaction: their runs ended `held`, and a tell lost after the commit left them showing it for good
 * (services/deposits/untold-credits.ts tells them). An EVM deposit held by the listener has no workflow to tell.
 */
async function queueUntoldCredits(tx: Tx, deposits: Deposit[]): Promise<void> {
  const ids = deposits.filter((d) => d.chain === XRPL_CHAIN).map((d) => d.id);
  if (ids.length > 0)
    await tx`insert into xrpl_untold_credits (deposit_id) select unnest(${tx.array(ids)}::bigint[]) on conflict do nothing`;
}

/**
 * Announces deposits just credited, in the crediting transaction, however they were credited (the listener's decision
 * or an operator's): the merchant webhook `deposit.credited` and the owner's notice. An invoice's payment is credited
 * to the invoice, not its merchant's balance, and announced by the invoice (its invoice.* events): a deposit.credited
 * for it too told a merchant of money their balance did not get (counted twice once the invoice settled).
 */
async function announceCredited(tx: Tx, deposits: Deposit[]): Promise<void> {
  const toBalances = deposits.filter((d) => !d.invoiceId);
  await publishDepositsCredited(tx, toBalances);
  await notifyCredited(tx, toBalances);
}

/**
 * Tells the owners of the deposits just credited, in the crediting transaction. The key is the one the XRPL deposit
 * workflow records its own notice under, so a deposit is announced once whichever records it first.
 */
async function notifyCredited(tx: Tx, deposits: Deposit[]): Promise<void> {
  const scales =
    await tx`select code, scale from currencies where code = any(${tx.array([...new Set(deposits.map((d) => d.currency))])}::text[])`;
  const scaleOf = new Map(scales.map((r) => [r.code as string, Number(r.scale)]));
  await notifyUsers(
    tx,
    deposits.map((d) => {
      const amount = formatAmountForPeople(d.amount, scaleOf.get(d.currency)!);
      return {
        eventId: `${d.workflowId}:credited`,
        userId: d.userId,
        type: 'deposit_credited' as const,
        title: `Deposit of ${amount} ${d.currency} credited`,
        data: { deposit_id: d.id, currency: d.currency, amount, chain: d.chain, tx_hash: d.txHash },
      };
    }),
  );
}

/** Marks a deposit that is no longer on chain (a reorg) as dropped, unless it was already credited. */
export async function dropDeposit(db: Db, id: string): Promise<Deposit | null> {
  const [row] = await db`update deposits set status = 'dropped' where id = ${id} and status = 'pending' returning *`;
  return row ? toDeposit(row) : depositById(db, id);
}

export async function depositsOfUser(
  db: Db,
  userId: string,
  page: { before?: string; limit: number; currency?: string },
): Promise<Deposit[]> {
  const rows = await db`
    select * from deposits where user_id = ${userId} and invoice_id is null
    ${page.before ? db`and id < ${page.before}` : db``}
    ${page.currency ? db`and currency = ${page.currency}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map(toDeposit);
}
