/** Custody addresses, top-ups seen coming in, expected minimums, and reconciliation results. */
import { hotCustodyAccount, XRPL_CHAIN } from '../../domain/deposits/credit.js';
import type { DriftLine } from '../../domain/reconciliation/drift.js';
import type { Db, Tx } from '../../platform/db/client.js';
import type { ReconciliationResult } from '../../workflows/reconciliation/messages.js';
import { afterRowById, newestFirst } from '../../platform/db/keyset.js';

export interface CustodyAddress {
  chain: string;
  address: string;
  account: string;
  label: string;
}

/** Registers the wallets the worker's configuration names; an address moved to another account follows it. */
export async function registerCustodyAddresses(db: Db, addresses: CustodyAddress[]): Promise<void> {
  if (addresses.length === 0) return;
  await db`
    insert into custody_addresses ${db(addresses.map((a) => ({ ...a })))}
    on conflict (chain, address) do update set account = excluded.account, label = excluded.label`;
}

export async function custodyAddresses(db: Db, chain?: string): Promise<CustodyAddress[]> {
  const rows = await db`
    select chain, address, account, label from custody_addresses ${chain ? db`where chain = ${chain}` : db``}
    order by chain, address`;
  return rows.map((r) => ({ chain: r.chain, address: r.address, account: r.account, label: r.label }));
}

/**
 * Whether the address is one of the custody wallets registered on the network (a withdrawal there would pay ourselves):
 * EVM addresses are registered lowercase, XRPL's as they are (base58 is case-sensitive).
 */
export async function isCustodyAddress(db: Db, network: 'evm' | 'xrpl', address: string): Promise<boolean> {
  const rows =
    network === 'xrpl'
      ? await db`select 1 from custody_addresses where chain = ${XRPL_CHAIN} and address = ${address}`
      : await db`select 1 from custody_addresses where chain <> ${XRPL_CHAIN} and address = ${address.toLowerCase()}`;
  return rows.length > 0;
}

/**
 * The wallets hot custody books on the network (the hot wallets, and XRPL's deposit address): a payout posted out of
 * hot custody must have left one of them. EVM addresses come lowercase.
 */
export async function hotCustodyWallets(db: Db, network: 'evm' | 'xrpl'): Promise<string[]> {
  const rows =
    network === 'xrpl'
      ? await db`select address from custody_addresses where chain = ${XRPL_CHAIN} and account = ${hotCustodyAccount(XRPL_CHAIN)}`
      : await db`
          select address from custody_addresses
          where chain <> ${XRPL_CHAIN} and account = ${hotCustodyAccount('')} || chain`;
  return rows.map((r) => r.address as string);
}

export interface CustodyInflow {
  txHash: string;
  /** Where it was seen in its block (a token transfer's log index there): not what it is (`eventKey`). */
  eventIndex: number;
  /** Its identity in its transaction, whatever block holds it, as a deposit's (`ObservedDeposit.eventKey`). */
  eventKey: string;
  address: string;
  currency: string;
  amount: bigint;
  from: string;
  blockNumber: bigint;
  blockHash: string;
}

/**
 * Records top-ups the listener saw (in its range's transaction), once per (chain, tx, event key): one seen again, a
 * reorg's block or another's, is left as it is once booked.
 */
export async function recordCustodyInflows(tx: Tx, chain: string, inflows: CustodyInflow[]): Promise<void> {
  for (const i of inflows) {
    await tx`
      insert into custody_inflows (chain, tx_hash, event_index, event_key, address, currency, amount, from_address, block_number, block_hash)
      values (${chain}, ${i.txHash}, ${i.eventIndex}, ${i.eventKey}, ${i.address}, ${i.currency}, ${i.amount.toString()}, ${i.from},
              ${i.blockNumber.toString()}, ${i.blockHash})
      on conflict (chain, tx_hash, event_key) do update
        set block_number = excluded.block_number, block_hash = excluded.block_hash
        where not custody_inflows.booked`;
  }
}

/** A replaced block's top-ups were never there: forgotten unless booked (booking waits for confirmations). */
export async function dropInflowsInBlock(tx: Tx, chain: string, blockHash: string): Promise<void> {
  await tx`delete from custody_inflows where chain = ${chain} and block_hash = ${blockHash} and not booked`;
}

export async function setCustodyMinimum(
  db: Db,
  m: { target: string; currency: string; minimum: bigint; updatedBy: string },
): Promise<void> {
  await db`
    insert into custody_minimums (target, currency, minimum, updated_by)
    values (${m.target}, ${m.currency}, ${m.minimum.toString()}, ${m.updatedBy})
    on conflict (target, currency) do update
      set minimum = excluded.minimum, updated_by = excluded.updated_by, updated_at = now()`;
}

export async function deleteCustodyMinimum(db: Db, target: string, currency: string): Promise<boolean> {
  const rows = await db`delete from custody_minimums where target = ${target} and currency = ${currency} returning target`;
  return rows.length > 0;
}

export async function custodyMinimums(db: Db): Promise<Array<{ target: string; currency: string; minimum: bigint }>> {
  const rows = await db`select target, currency, minimum from custody_minimums order by target, currency`;
  return rows.map((r) => ({ target: r.target, currency: r.currency, minimum: r.minimum as bigint }));
}

export interface ReconciliationRecord extends ReconciliationResult {
  workflowId: string;
  trigger: 'schedule' | 'manual';
  requestedBy?: string;
}

export async function insertReconciliation(db: Db, r: ReconciliationRecord): Promise<void> {
  await db`
    insert into reconciliations (id, workflow_id, trigger, requested_by, started_at, finished_at, ok, booked, accounts, below_minimum)
    values (${r.id}, ${r.workflowId}, ${r.trigger}, ${r.requestedBy ?? null}, ${r.startedAt}, ${r.finishedAt}, ${r.ok},
            ${db.json(r.booked as never)}, ${db.json(r.lines as never)}, ${db.json(r.belowMinimum as never)})
    on conflict (workflow_id) do nothing`;
}

function toRecord(r: Record<string, any>): ReconciliationRecord {
  return {
    id: r.id,
    workflowId: r.workflowId,
    trigger: r.trigger,
    requestedBy: r.requestedBy ?? undefined,
    startedAt: (r.startedAt as Date).toISOString(),
    finishedAt: (r.finishedAt as Date).toISOString(),
    ok: r.ok,
    booked: r.booked,
    // runs recorded before held deposits were told apart name none
    lines: (r.accounts as DriftLine[]).map((l) => ({ ...l, held: l.held ?? '0' })),
    belowMinimum: r.belowMinimum,
  };
}

export async function reconciliationById(db: Db, id: string): Promise<ReconciliationRecord | null> {
  const [r] = await db`select * from reconciliations where id = ${id}`;
  return r ? toRecord(r) : null;
}

/** Past runs, newest first, a page after `before` (a run's id). */
export async function listReconciliations(db: Db, page: { before?: string; limit: number }): Promise<ReconciliationRecord[]> {
  const rows = await db`
    select * from reconciliations
    ${page.before ? db`where ${afterRowById(db, 'reconciliations', 'finished_at', page.before)}` : db``}
    ${newestFirst(db, 'finished_at')} limit ${page.limit}`;
  return rows.map(toRecord);
}
