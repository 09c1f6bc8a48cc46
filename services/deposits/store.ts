/** Deposits as users see them; each network's listener records them, the deposit workflows credit them. */
import { depositCreditGroup, type DepositStatus } from '../../domain/deposits/credit.js';
import type { LedgerFailure } from '../../domain/ledger/engine.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { commitGroups } from '../ledger/journal.js';

export interface Deposit {
  id: string;
  userId: string;
  currency: string;
  amount: bigint;
  chain: string;
  txHash: string;
  eventIndex: number;
  address: string;
  destinationTag: bigint | null;
  status: DepositStatus;
  workflowId: string;
  transferKey: string | null;
  detectedAt: Date;
  creditedAt: Date | null;
}

export type NewDeposit = Pick<
  Deposit,
  'userId' | 'currency' | 'amount' | 'chain' | 'txHash' | 'eventIndex' | 'address' | 'workflowId'
> & {
  destinationTag?: bigint | null;
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
    address: r.address as string,
    destinationTag: r.destinationTag === null || r.destinationTag === undefined ? null : BigInt(r.destinationTag as string),
    status: r.status as DepositStatus,
    workflowId: r.workflowId as string,
    transferKey: (r.transferKey as string | null) ?? null,
    detectedAt: r.detectedAt as Date,
    creditedAt: (r.creditedAt as Date | null) ?? null,
  };
}

/** Records a deposit once per (chain, tx, index); seeing it again returns the stored row. */
export async function recordDeposit(db: Db, d: NewDeposit): Promise<Deposit> {
  const [inserted] = await db`
    insert into deposits (user_id, currency, amount, chain, tx_hash, event_index, address, destination_tag, workflow_id)
    values (${d.userId}, ${d.currency}, ${d.amount.toString()}, ${d.chain}, ${d.txHash}, ${d.eventIndex}, ${d.address},
            ${d.destinationTag?.toString() ?? null}, ${d.workflowId})
    on conflict (chain, tx_hash, event_index) do nothing
    returning *`;
  if (inserted) return toDeposit(inserted);
  const [existing] =
    await db`select * from deposits where chain = ${d.chain} and tx_hash = ${d.txHash} and event_index = ${d.eventIndex}`;
  return toDeposit(existing!);
}

export async function depositById(db: Db, id: string): Promise<Deposit | null> {
  const [row] = await db`select * from deposits where id = ${id}`;
  return row ? toDeposit(row) : null;
}

export async function depositByWorkflowId(db: Db, workflowId: string): Promise<Deposit | null> {
  const [row] = await db`select * from deposits where workflow_id = ${workflowId}`;
  return row ? toDeposit(row) : null;
}

/**
 * Credits a pending deposit to its user: the ledger transfer and the status change commit together, and a second
 * call (a retried activity, a replayed workflow) changes nothing. A dropped deposit is never credited.
 */
export async function creditDeposit(
  sql: Sql,
  id: string,
): Promise<
  | { ok: true; deposit: Deposit }
  | { ok: false; error: LedgerFailure | { code: 'deposit_dropped' | 'not_found'; message: string } }
> {
  return sql.begin(async (tx) => {
    const [row] = await tx`select * from deposits where id = ${id} for update`;
    if (!row) return { ok: false as const, error: { code: 'not_found' as const, message: `no deposit ${id}` } };
    const deposit = toDeposit(row);
    if (deposit.status === 'credited') return { ok: true as const, deposit };
    if (deposit.status === 'dropped')
      return { ok: false as const, error: { code: 'deposit_dropped' as const, message: 'the deposit was dropped' } };
    const group = depositCreditGroup({ ...deposit, depositId: deposit.id });
    const [outcome] = await commitGroups(tx, [group]);
    if (!outcome!.ok) return { ok: false as const, error: outcome!.error };
    const [credited] = await tx`
      update deposits set status = 'credited', credited_at = now(), transfer_key = ${group.transfers[0]!.key}
      where id = ${id} returning *`;
    return { ok: true as const, deposit: toDeposit(credited!) };
  });
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
    select * from deposits where user_id = ${userId}
    ${page.before ? db`and id < ${page.before}` : db``}
    ${page.currency ? db`and currency = ${page.currency}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map(toDeposit);
}
