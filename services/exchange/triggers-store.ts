/** Trigger orders' rows: stored with their hold, loaded into the engine process's trigger book, fired or cancelled. */
import type { ErrorCode } from '../../domain/errors.js';
import {
  triggerHoldKey,
  triggerLegs,
  triggerReleaseKey,
  type PendingTrigger,
  type TriggerSpec,
  type TriggerLegKind,
} from '../../domain/exchange/triggers.js';
import type { OrderRequest } from '../../domain/exchange/order-request.js';
import type { Db, Sql, Tx } from '../../platform/db/client.js';
import type { TriggerState } from '../../workflows/exchange/trigger/messages.js';
import { commitGroups } from '../ledger/journal.js';
import { userAccountName } from '../../domain/ledger/engine.js';
import { orderId, publishOrderUpdate, publishOrderUpdates } from '../orders/client.js';
import { ORDER_ESCROW } from '../../domain/exchange/settlement.js';
import { notifyUsers } from '../notifications/client.js';

/** A trigger order as its user asks for it. */
export interface PlaceTrigger extends TriggerSpec {
  userId: string;
  pair: string;
  idempotencyKey: string;
}

export interface StoredTrigger extends PlaceTrigger {
  id: string;
  holdCurrency: string;
  holdAmount: bigint;
  status: TriggerState['status'];
  orderId: string | null;
  firedLeg: TriggerLegKind | null;
  /** Set when Sluice cancelled it: `user_disabled` (it fired while an operator had disabled its user). */
  cancelReason: 'user_disabled' | null;
  /** Set when it failed: the error code that refused its order when it fired. */
  failureReason: ErrorCode | null;
  /** Who cancelled it: its owner, or an operator from the console. */
  cancelledBy: string | null;
  createdAt: Date;
}

/** A pending trigger's leg as the engine process keeps it: what to place once the price crosses (checked then). */
export interface ArmedTrigger extends PendingTrigger {
  userId: string;
  request: OrderRequest;
}

export const toTrigger = (r: Record<string, unknown>): StoredTrigger =>
  ({ ...r, id: String(r.id), orderId: r.orderId === null ? null : String(r.orderId) }) as unknown as StoredTrigger;

/**
 * A pending trigger's legs for the trigger book (an OCO has two). Their orders are checked against the pair when they
 * fire, not here: one that no longer fits fails then, and never keeps its market from recovering.
 */
export function armed(t: StoredTrigger): ArmedTrigger[] {
  return triggerLegs(t).map((leg) => ({
    id: Number(t.id),
    kind: leg.kind,
    side: t.side,
    triggerPrice: leg.triggerPrice,
    userId: t.userId,
    request: leg.request,
  }));
}

export async function pendingTriggers(db: Db, pair: string): Promise<StoredTrigger[]> {
  const rows = await db`select * from trigger_orders where pair = ${pair} and status = 'pending' order by id`;
  return rows.map(toTrigger);
}

/** Pending triggers of every user for operators, newest first, by keyset on the id. */
export async function pendingTriggersForOperators(
  db: Db,
  filter: { pair?: string; userId?: string; before?: string; limit: number },
): Promise<StoredTrigger[]> {
  const rows = await db`
    select * from trigger_orders where status = 'pending'
      ${filter.pair ? db`and pair = ${filter.pair}` : db``}
      ${filter.userId ? db`and user_id = ${filter.userId}` : db``}
      ${filter.before ? db`and id < ${filter.before}` : db``}
    order by id desc limit ${filter.limit}`;
  return rows.map(toTrigger);
}

export async function triggerById(db: Db, id: string): Promise<StoredTrigger | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const [row] = await db`select * from trigger_orders where id = ${id}`;
  return row && toTrigger(row);
}

export async function triggerByIdempotencyKey(db: Db, userId: string, key: string): Promise<StoredTrigger | undefined> {
  const [row] = await db`select * from trigger_orders where user_id = ${userId} and idempotency_key = ${key}`;
  return row && toTrigger(row);
}

export type NewTrigger = Omit<
  StoredTrigger,
  | 'id'
  | 'status'
  | 'orderId'
  | 'firedLeg'
  | 'cancelReason'
  | 'failureReason'
  | 'cancelledBy'
  | 'createdAt'
  | 'holdCurrency'
  | 'holdAmount'
>;

/**
 * Stores a trigger and holds its order's funds, in the caller's transaction: `trigger` null when a concurrent request
 * stored one under the same Idempotency-Key first (nothing held), an error when the ledger refuses the hold. The row
 * goes first, so that such a repeat waits on the unique key and holds nothing, rather than failing on it.
 */
export async function insertTrigger(tx: Tx, t: NewTrigger, hold: { currency: string; amount: bigint }) {
  const [row] = await tx`
    insert into trigger_orders (user_id, pair, kind, side, trigger_price, price, stop_price, stop_limit_price, amount,
      quote_amount, hold_currency, hold_amount, idempotency_key)
    values (${t.userId}, ${t.pair}, ${t.kind}, ${t.side}, ${t.triggerPrice.toString()}, ${t.price?.toString() ?? null},
      ${t.stopPrice?.toString() ?? null}, ${t.stopLimitPrice?.toString() ?? null}, ${t.amount?.toString() ?? null}, ${t.quoteAmount?.toString() ?? null}, ${hold.currency}, ${hold.amount.toString()}, ${t.idempotencyKey})
    on conflict (user_id, idempotency_key) do nothing
    returning *`;
  if (!row) return { ok: true as const, trigger: null };
  const trigger = toTrigger(row);
  const [outcome] = await commitGroups(tx, [
    {
      transfers: [
        {
          kind: 'pending',
          key: triggerHoldKey(trigger.id),
          debit: userAccountName(t.userId),
          credit: ORDER_ESCROW,
          currency: hold.currency,
          amount: hold.amount,
          metadata: { type: 'trigger_hold', trigger_id: trigger.id, pair: t.pair },
        },
      ],
    },
  ]);
  if (!outcome!.ok) return { ok: false as const, error: outcome!.error };
  return { ok: true as const, trigger };
}

/** Cancels a pending trigger (both legs of an OCO) and releases its hold; a trigger that fired first stays fired. */
export async function cancelTrigger(sql: Sql, id: string, by: string | null): Promise<TriggerState> {
  return sql.begin(async (tx) => {
    const [cancelled] = await tx`
      update trigger_orders set status = 'cancelled', cancelled_by = ${by}, updated_at = now()
      where id = ${id} and status = 'pending' returning id`;
    if (cancelled) {
      await commitGroups(tx, [{ transfers: [{ kind: 'void', key: triggerReleaseKey(id), pendingKey: triggerHoldKey(id) }] }]);
      await publishOrderUpdate(tx, orderId('trg', id));
    }
    return triggerState(tx, id);
  });
}

export async function triggerState(db: Db, id: string): Promise<TriggerState> {
  const [row] = await db`select status, order_id, fired_leg, failure_reason from trigger_orders where id = ${id}`;
  if (!row) throw new Error(`no trigger ${id}`);
  const state: TriggerState = {
    triggerId: id,
    status: row.status as TriggerState['status'],
    orderId: row.orderId === null ? null : String(row.orderId),
  };
  if (row.firedLeg !== null) state.firedLeg = row.firedLeg as TriggerLegKind;
  if (row.failureReason !== null) state.failureReason = row.failureReason as string;
  return state;
}

export async function markTriggerWorkflowStarted(db: Db, id: string): Promise<void> {
  await db`update trigger_orders set workflow_started = true where id = ${id}`;
}

export async function unstartedTriggers(db: Db, graceSeconds: number): Promise<StoredTrigger[]> {
  const rows = await db`
    select * from trigger_orders where not workflow_started and created_at < now() - make_interval(secs => ${graceSeconds})
    order by created_at limit 100`;
  return rows.map(toTrigger);
}

/**
 * In the journal transaction: locks the firing triggers still pending; the others (cancelled meanwhile) are refused.
 * A trigger whose user an operator disabled places no order: it is cancelled here, its hold released and the reason
 * recorded (`user_disabled`), since its price condition held now and may not hold when the user is enabled again.
 * One whose pair an operator disabled fails (`pair_disabled`): the market it was to trade on is closed.
 */
export async function lockPendingTriggers(tx: Tx, ids: number[]): Promise<{ pending: Set<number>; failed: Set<number> }> {
  if (ids.length === 0) return { pending: new Set(), failed: new Set() };
  const ofDisabled = await tx`
    update trigger_orders t set status = 'cancelled', cancel_reason = 'user_disabled', updated_at = now()
    from users u
    where t.id = any(${tx.array(ids)}::bigint[]) and t.status = 'pending' and u.id = t.user_id and u.disabled_at is not null
    returning t.id`;
  for (const { id } of ofDisabled) {
    await commitGroups(tx, [
      { transfers: [{ kind: 'void', key: triggerReleaseKey(String(id)), pendingKey: triggerHoldKey(String(id)) }] },
    ]);
    await publishOrderUpdate(tx, orderId('trg', String(id)));
  }
  const rows = await tx`
    select t.id, p.enabled from trigger_orders t join pairs p on p.code = t.pair
    where t.id = any(${tx.array(ids)}::bigint[]) and t.status = 'pending' for update of t`;
  const closed = rows.filter((r) => !r.enabled).map((r) => ({ id: Number(r.id), reason: 'pair_disabled' as ErrorCode }));
  await failTriggers(tx, closed);
  return {
    pending: new Set(rows.filter((r) => r.enabled).map((r) => Number(r.id))),
    failed: new Set(closed.map((c) => c.id)),
  };
}

/**
 * Ends pending triggers whose order was refused when they fired as failed, with the refusal's code: each hold is
 * released, its callback told and its owner notified, in the caller's transaction. One no longer pending is left.
 */
export async function failTriggers(tx: Tx, failures: Array<{ id: number; reason: ErrorCode }>): Promise<void> {
  if (failures.length === 0) return;
  const failed = await tx`
    update trigger_orders t set status = 'failed', failure_reason = f.reason, updated_at = now()
    from unnest(${tx.array(failures.map((f) => f.id))}::bigint[], ${tx.array(failures.map((f) => f.reason))}::text[])
      as f(id, reason)
    where t.id = f.id and t.status = 'pending'
    returning t.id, t.user_id, t.pair, t.kind, t.side, t.failure_reason`;
  if (failed.length === 0) return;
  const ids = failed.map((r) => String(r.id));
  await commitGroups(
    tx,
    ids.map((id) => ({ transfers: [{ kind: 'void' as const, key: triggerReleaseKey(id), pendingKey: triggerHoldKey(id) }] })),
  );
  await publishOrderUpdates(
    tx,
    ids.map((id) => orderId('trg', id)),
  );
  await notifyUsers(
    tx,
    failed.map((r) => ({
      eventId: `trigger:${r.id}:failed`,
      userId: r.userId as string,
      type: 'trigger_failed' as const,
      severity: 'warning' as const,
      title: `Your ${(r.kind as string).replace('_', '-')} ${r.side} trigger on ${r.pair} fired, but its order was refused (${r.failureReason}); its funds are released`,
      data: { trigger_id: String(r.id), pair: r.pair, reason: r.failureReason },
    })),
  );
}

export async function markTriggersFired(
  tx: Tx,
  fired: Array<{ triggerId: number; orderId: number; leg: TriggerLegKind }>,
): Promise<void> {
  if (fired.length === 0) return;
  await tx`
    update trigger_orders t set status = 'fired', order_id = f.order_id, fired_leg = f.leg, updated_at = now()
    from unnest(${tx.array(fired.map((f) => f.triggerId))}::bigint[], ${tx.array(fired.map((f) => f.orderId))}::bigint[],
      ${tx.array(fired.map((f) => f.leg))}::text[]) as f(id, order_id, leg)
    where t.id = f.id`;
  await publishOrderUpdates(
    tx,
    fired.map((f) => orderId('trg', f.triggerId)),
  );
}
