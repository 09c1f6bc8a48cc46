/**
 * The order history (the `order_history` view, db/migrations/820_orders.sql): a user's orders of every kind, newest
 * first, a page at a time by keyset on (created_at, id), never OFFSET.
 */
import type { OrderRef, OrderStatus, OrderType } from '../../domain/orders/ids.js';
import type { Db } from '../../platform/db/client.js';

export interface OrderSummary {
  id: string;
  type: OrderType;
  userId: string;
  status: OrderStatus;
  /** The kind's own status (a withdrawal's `broadcast`, a bet's `won`). */
  state: string;
  currency: string;
  /** The other currency of an exchange or a trade order. */
  counterCurrency: string | null;
  amount: bigint;
  createdAt: Date;
  /** created_at to the microsecond, as the cursor carries it. */
  position: string;
  callbackUrl: string | null;
}

export interface HistoryFilter {
  types?: OrderType[];
  status?: OrderStatus;
  /** Orders moving this currency, on either side. */
  currency?: string;
  from?: Date;
  to?: Date;
  /** The last order of the previous page. */
  after?: { createdAt: string; id: string };
  limit: number;
}

const toSummary = (r: Record<string, unknown>): OrderSummary => ({
  id: r.id as string,
  type: r.type as OrderType,
  userId: r.userId as string,
  status: r.status as OrderStatus,
  state: r.state as string,
  currency: r.currency as string,
  counterCurrency: (r.counterCurrency as string | null) ?? null,
  amount: BigInt(r.amount as string),
  createdAt: r.createdAt as Date,
  position: r.position as string,
  callbackUrl: (r.callbackUrl as string | null) ?? null,
});

const selectOrders = (db: Db) => db`
  select h.*, to_char(h.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position, e.url as callback_url
  from order_history h
  left join order_callbacks c on c.order_id = h.id
  left join webhook_endpoints e on e.id = c.endpoint_id`;

/** A page of the user's orders, newest first (ties broken by id). */
export async function orderHistory(db: Db, userId: string, filter: HistoryFilter): Promise<OrderSummary[]> {
  const { types, status, currency, from, to, after } = filter;
  // the page is cut first and its callbacks joined after, so only the page's rows are joined
  const rows = await db`
    select p.*, e.url as callback_url from (
      select h.*, to_char(h.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as position
      from order_history h
      where h.user_id = ${userId}
      ${types ? db`and h.type = any(${db.array(types)}::text[])` : db``}
      ${status ? db`and h.status = ${status}` : db``}
      ${currency ? db`and (h.currency = ${currency} or h.counter_currency = ${currency})` : db``}
      ${from ? db`and h.created_at >= ${from}` : db``}
      ${to ? db`and h.created_at < ${to}` : db``}
      ${
        after
          ? // the plain bound lets each kind's (user, created_at) index cut the range; the pair breaks ties. As text:
            // postgres.js writes a timestamptz parameter through Date, to the millisecond
            db`and h.created_at <= ${after.createdAt}::text::timestamptz
               and (h.created_at, h.id) < (${after.createdAt}::text::timestamptz, ${after.id})`
          : db``
      }
      order by h.created_at desc, h.id desc
      limit ${filter.limit}
    ) p
    left join order_callbacks c on c.order_id = p.id
    left join webhook_endpoints e on e.id = c.endpoint_id
    order by p.created_at desc, p.id desc`;
  return rows.map(toSummary);
}

/** The user's order, or null (another user's order is as absent as a missing one). */
export async function orderOf(db: Db, userId: string, ref: OrderRef): Promise<OrderSummary | null> {
  // the type lets the planner drop every other kind's arm; the user, its index
  const [row] = await db`${selectOrders(db)} where h.user_id = ${userId} and h.type = ${ref.type} and h.id = ${ref.id}`;
  return row ? toSummary(row) : null;
}
