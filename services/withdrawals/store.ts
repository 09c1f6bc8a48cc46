/** Withdrawals: requests and their status history, confirmation codes, providers per currency. */
import type { CounterChange } from '../../domain/ledger/engine.js';
import type { WithdrawalStatus } from '../../domain/withdrawals/status.js';
import type { Db } from '../../platform/db/client.js';
import { rowsWithoutWorkflow } from '../../platform/db/workflow-outbox.js';
import { volumeByDay, type DayVolume } from '../../platform/db/volume-by-day.js';
import { afterRowById, newestFirst } from '../../platform/db/keyset.js';

export interface Withdrawal {
  id: string;
  userId: string;
  idempotencyKey: string;
  currency: string;
  amount: bigint;
  fee: bigint;
  address: string;
  destinationTag: bigint | null;
  status: WithdrawalStatus;
  approvalRequired: boolean;
  approvalReasons: string[];
  counters: CounterChange[];
  providerId: string | null;
  chain: string | null;
  txHash: string | null;
  decidedBy: string | null;
  decisionNote: string | null;
  workflowStarted: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface WithdrawalEvent {
  status: WithdrawalStatus;
  actor: string | null;
  detail: Record<string, unknown>;
  at: Date;
}

function toWithdrawal(r: Record<string, unknown>): Withdrawal {
  const counters = (r.counters as Array<{ key: string; add: string; max?: string }>).map((c) => ({
    key: c.key,
    add: BigInt(c.add),
    ...(c.max !== undefined ? { max: BigInt(c.max) } : {}),
  }));
  return {
    id: r.id as string,
    userId: r.userId as string,
    idempotencyKey: r.idempotencyKey as string,
    currency: r.currency as string,
    amount: r.amount as bigint,
    fee: r.fee as bigint,
    address: r.address as string,
    destinationTag: r.destinationTag === null || r.destinationTag === undefined ? null : BigInt(r.destinationTag as string),
    status: r.status as WithdrawalStatus,
    approvalRequired: r.approvalRequired as boolean,
    approvalReasons: (r.approvalReasons as string[]) ?? [],
    counters,
    providerId: (r.providerId as string | null) ?? null,
    chain: (r.chain as string | null) ?? null,
    txHash: (r.txHash as string | null) ?? null,
    decidedBy: (r.decidedBy as string | null) ?? null,
    decisionNote: (r.decisionNote as string | null) ?? null,
    workflowStarted: r.workflowStarted as boolean,
    createdAt: r.createdAt as Date,
    updatedAt: r.updatedAt as Date,
  };
}

export type NewWithdrawal = Pick<
  Withdrawal,
  | 'userId'
  | 'idempotencyKey'
  | 'currency'
  | 'amount'
  | 'fee'
  | 'address'
  | 'destinationTag'
  | 'approvalRequired'
  | 'approvalReasons'
  | 'counters'
>;

/** Inserts a request; null when this user already used the idempotency key. */
export async function insertWithdrawal(db: Db, w: NewWithdrawal): Promise<Withdrawal | null> {
  const counters = w.counters.map((c) => ({
    key: c.key,
    add: c.add.toString(),
    ...(c.max !== undefined ? { max: c.max.toString() } : {}),
  }));
  const [row] = await db`
    insert into withdrawals (user_id, idempotency_key, currency, amount, fee, address, destination_tag, status,
                             approval_required, approval_reasons, counters)
    values (${w.userId}, ${w.idempotencyKey}, ${w.currency}, ${w.amount.toString()}, ${w.fee.toString()}, ${w.address},
            ${w.destinationTag?.toString() ?? null}, 'awaiting_confirmation', ${w.approvalRequired},
            ${db.array(w.approvalReasons)}::text[], ${db.json(counters as never)})
    on conflict (user_id, idempotency_key) do nothing
    returning *`;
  if (!row) return null;
  await db`insert into withdrawal_events (withdrawal_id, status, actor) values (${row.id}, 'awaiting_confirmation', ${`user:${w.userId}`})`;
  return toWithdrawal(row);
}

export async function withdrawalById(db: Db, id: string): Promise<Withdrawal | null> {
  const [row] = await db`select * from withdrawals where id = ${id}`;
  return row ? toWithdrawal(row) : null;
}

export async function withdrawalByKey(db: Db, userId: string, idempotencyKey: string): Promise<Withdrawal | null> {
  const [row] = await db`select * from withdrawals where user_id = ${userId} and idempotency_key = ${idempotencyKey}`;
  return row ? toWithdrawal(row) : null;
}

/** Another withdrawal this transaction is recorded for (its payout, or the one its close cited), if any. */
export async function otherWithdrawalOfTransaction(db: Db, txHash: string, exceptId: string): Promise<string | null> {
  const [row] = await db`
    select id from withdrawals where lower(tx_hash) = ${txHash.toLowerCase()} and id <> ${exceptId} limit 1`;
  return row ? (row.id as string) : null;
}

export async function withdrawalEvents(db: Db, id: string): Promise<WithdrawalEvent[]> {
  const rows = await db`select status, actor, detail, at from withdrawal_events where withdrawal_id = ${id} order by id`;
  return rows.map((r) => ({ status: r.status, actor: r.actor, detail: r.detail, at: r.at }));
}

export async function listWithdrawals(
  db: Db,
  filter: { userId?: string; status?: WithdrawalStatus; before?: string; limit: number },
): Promise<Withdrawal[]> {
  const rows = await db`
    select * from withdrawals where true
    ${filter.userId ? db`and user_id = ${filter.userId}` : db``}
    ${filter.status ? db`and status = ${filter.status}` : db``}
    ${filter.before ? db`and ${afterRowById(db, 'withdrawals', 'created_at', filter.before)}` : db``}
    ${newestFirst(db, 'created_at')} limit ${filter.limit}`;
  return rows.map(toWithdrawal);
}

/**
 * Records a status change and its history entry, once: repeating the same change (a retried activity) adds nothing.
 */
export async function recordStatus(
  db: Db,
  id: string,
  change: {
    status: WithdrawalStatus;
    actor?: string | null;
    detail?: Record<string, unknown>;
    providerId?: string;
    chain?: string;
    txHash?: string;
    decidedBy?: string;
    decisionNote?: string;
  },
): Promise<void> {
  const rows = await db`
    update withdrawals set
      status = ${change.status},
      provider_id = coalesce(${change.providerId ?? null}, provider_id),
      chain = coalesce(${change.chain ?? null}, chain),
      tx_hash = coalesce(${change.txHash ?? null}, tx_hash),
      decided_by = coalesce(${change.decidedBy ?? null}::uuid, decided_by),
      decision_note = coalesce(${change.decisionNote ?? null}, decision_note),
      updated_at = now()
    where id = ${id} and status <> ${change.status}
    returning id`;
  if (rows.length === 0) return;
  await db`
    insert into withdrawal_events (withdrawal_id, status, actor, detail)
    values (${id}, ${change.status}, ${change.actor ?? null}, ${db.json((change.detail ?? {}) as never)})`;
}

export async function unstartedWithdrawals(db: Db, olderThanSeconds: number): Promise<Withdrawal[]> {
  return (await rowsWithoutWorkflow(db, 'withdrawals', olderThanSeconds)).map(toWithdrawal);
}

/** Whether this user was ever paid out to this address (EVM addresses compare case-insensitively). */
export async function addressUsedBefore(
  db: Db,
  userId: string,
  currency: string,
  address: string,
  destinationTag: bigint | null,
): Promise<boolean> {
  const [row] = await db`
    select 1 from withdrawals
    where user_id = ${userId} and currency = ${currency} and lower(address) = lower(${address})
      and destination_tag is not distinct from ${destinationTag?.toString() ?? null}::bigint
      and status = 'succeeded'
    limit 1`;
  return Boolean(row);
}

export async function storeCode(db: Db, id: string, codeHmac: string, expiresAt: Date): Promise<void> {
  await db`
    insert into withdrawal_codes (withdrawal_id, code_hmac, expires_at) values (${id}, ${codeHmac}, ${expiresAt})
    on conflict (withdrawal_id) do nothing`;
}

export async function codeOf(db: Db, id: string): Promise<{ codeHmac: string; expiresAt: Date } | null> {
  const [row] = await db`select code_hmac, expires_at from withdrawal_codes where withdrawal_id = ${id}`;
  return row ? { codeHmac: row.codeHmac, expiresAt: row.expiresAt } : null;
}

export interface ProviderRoute {
  providerId: string;
  priority: number;
  enabled: boolean;
}

export async function providerRoutes(db: Db, currency?: string): Promise<Array<ProviderRoute & { currency: string }>> {
  const rows = await db`
    select currency, provider_id, priority, enabled from withdrawal_providers
    ${currency ? db`where currency = ${currency}` : db``}
    order by currency, priority, provider_id`;
  return rows.map((r) => ({ currency: r.currency, providerId: r.providerId, priority: r.priority, enabled: r.enabled }));
}

/** Adds configured providers that have no route yet, after the existing ones; operators' orderings are kept. */
export async function ensureProviderRoutes(db: Db, routes: Array<{ currency: string; providerId: string }>): Promise<void> {
  for (const route of routes) {
    await db`
      insert into withdrawal_providers (currency, provider_id, priority)
      values (${route.currency}, ${route.providerId},
              (select coalesce(max(priority), 0) + 1 from withdrawal_providers where currency = ${route.currency}))
      on conflict (currency, provider_id) do nothing`;
  }
}

/** Replaces a currency's provider order: the list's order is the priority. */
export async function replaceProviderRoutes(
  db: Db,
  currency: string,
  routes: Array<{ providerId: string; enabled: boolean }>,
): Promise<void> {
  await db`delete from withdrawal_providers where currency = ${currency}`;
  for (const [i, route] of routes.entries()) {
    await db`
      insert into withdrawal_providers (currency, provider_id, priority, enabled)
      values (${currency}, ${route.providerId}, ${i + 1}, ${route.enabled})`;
  }
}

/**
 * How many withdrawals are in each of these statuses now (the operators' queues), in one query over the status index:
 * ask for the open statuses, not the ever-growing ended ones.
 */
export async function withdrawalCounts(db: Db, statuses: readonly WithdrawalStatus[]): Promise<Map<WithdrawalStatus, number>> {
  // one pass of the status index for every queue; a queue with no rows has no group and counts 0
  const rows = await db`
    select status, count(*)::int as n from withdrawals where status = any(${db.array([...statuses])}::text[]) group by status`;
  const counted = new Map(rows.map((r) => [r.status as WithdrawalStatus, r.n as number]));
  return new Map(statuses.map((status) => [status, counted.get(status) ?? 0]));
}

/** Paid-out volume per UTC day and currency, by the day the withdrawal succeeded. */
export function withdrawalVolumeByDay(db: Db, range: { from: Date; to: Date }): Promise<DayVolume[]> {
  return volumeByDay(db, { table: 'withdrawals', at: 'updated_at', status: 'succeeded' }, range);
}
