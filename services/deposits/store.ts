/** Deposits as users see them; each network's listener records them, the deposit workflows credit them. */
import { depositCreditGroup, type DepositStatus } from '../../domain/deposits/credit.js';
import type { LedgerFailure } from '../../domain/ledger/engine.js';
import type { Db, Sql, Tx } from '../../platform/db/client.js';
import { commitGroups } from '../ledger/journal.js';
import { formatAmountForPeople } from '../../domain/money.js';
import { notifyUsers } from '../notifications/client.js';

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

export type CreditOutcome =
  | { ok: true; deposit: Deposit }
  | { ok: false; error: LedgerFailure | { code: 'deposit_dropped' | 'not_found'; message: string } };

/**
 * Credits a pending deposit to its user: the ledger transfer and the status change commit together, and a second
 * call (a retried activity, a replayed workflow) changes nothing. A dropped deposit is never credited.
 */
export async function creditDeposit(sql: Sql, id: string): Promise<CreditOutcome> {
  return (await sql.begin((tx) => creditDeposits(tx, [id])))[0]!;
}

/**
 * Credits several deposits in the caller's transaction (the deposit creditor's group commit), answering each in
 * order. Rows are locked in id order, so two batches sharing deposits never deadlock.
 */
export async function creditDeposits(tx: Tx, ids: string[]): Promise<CreditOutcome[]> {
  const rows = await tx`select * from deposits where id = any(${tx.array(ids)}::bigint[]) order by id for update`;
  const byId = new Map(rows.map((r) => [String(r.id), toDeposit(r)]));
  const outcomes = new Map<string, CreditOutcome>();
  const toCredit: Deposit[] = [];
  for (const id of new Set(ids)) {
    const deposit = byId.get(id);
    if (!deposit) outcomes.set(id, { ok: false, error: { code: 'not_found', message: `no deposit ${id}` } });
    else if (deposit.status === 'credited') outcomes.set(id, { ok: true, deposit });
    else if (deposit.status === 'dropped')
      outcomes.set(id, { ok: false, error: { code: 'deposit_dropped', message: 'the deposit was dropped' } });
    else toCredit.push(deposit);
  }
  const groups = toCredit.map((d) => depositCreditGroup({ ...d, depositId: d.id }));
  const ledgered = await commitGroups(tx, groups);
  const credited: Array<{ id: string; transferKey: string }> = [];
  toCredit.forEach((deposit, i) => {
    const outcome = ledgered[i]!;
    if (outcome.ok) credited.push({ id: deposit.id, transferKey: groups[i]!.transfers[0]!.key });
    else outcomes.set(deposit.id, { ok: false, error: outcome.error });
  });
  if (credited.length > 0) {
    const updated = await tx`
      update deposits d set status = 'credited', credited_at = now(), transfer_key = c.transfer_key
      from (select unnest(${tx.array(credited.map((c) => c.id))}::bigint[]) as id,
                   unnest(${tx.array(credited.map((c) => c.transferKey))}::text[]) as transfer_key) c
      where d.id = c.id returning d.*`;
    for (const row of updated) outcomes.set(String(row.id), { ok: true, deposit: toDeposit(row) });
    await notifyCredited(tx, updated.map(toDeposit));
  }
  return ids.map((id) => outcomes.get(id)!);
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
    select * from deposits where user_id = ${userId}
    ${page.before ? db`and id < ${page.before}` : db``}
    ${page.currency ? db`and currency = ${page.currency}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map(toDeposit);
}
