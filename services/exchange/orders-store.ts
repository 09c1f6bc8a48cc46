/** Orders and trades as users see them. The engine's writes are in journal.ts and settlement-writer.ts. */
import type { EndReason, OrderType, Side, TimeInForce } from '../../domain/exchange/orders.js';
import type { Db } from '../../platform/db/client.js';

export type OrderStatus = 'new' | 'open' | 'filled' | 'cancelled' | 'rejected';

export interface StoredOrder {
  id: string;
  userId: string;
  pair: string;
  side: Side;
  type: OrderType;
  price: bigint | null;
  amount: bigint | null;
  quoteAmount: bigint | null;
  timeInForce: TimeInForce;
  postOnly: boolean;
  clientOrderId: string | null;
  idempotencyKey: string;
  holdCurrency: string;
  holdAmount: bigint;
  status: OrderStatus;
  reason: EndReason | null;
  filledAmount: bigint;
  filledQuote: bigint;
  fee: bigint;
  held: bigint;
  seq: string;
  /** The operator who cancelled it from the console; null when its owner did or the engine ended it. */
  cancelledBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface StoredTrade {
  no: string;
  pair: string;
  id: string;
  price: bigint;
  amount: bigint;
  quoteAmount: bigint;
  takerSide: Side;
  buyOrderId: string;
  sellOrderId: string;
  buyerId: string;
  sellerId: string;
  buyerFee: bigint;
  sellerFee: bigint;
  createdAt: Date;
}

export const toOrder = (r: Record<string, unknown>): StoredOrder =>
  ({ ...r, id: String(r.id), seq: String(r.seq) }) as unknown as StoredOrder;
const toTrade = (r: Record<string, unknown>): StoredTrade =>
  ({
    ...r,
    no: String(r.no),
    id: String(r.id),
    buyOrderId: String(r.buyOrderId),
    sellOrderId: String(r.sellOrderId),
  }) as unknown as StoredTrade;

export async function orderById(db: Db, id: string): Promise<StoredOrder | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const [row] = await db`select * from orders where id = ${id}`;
  return row && toOrder(row);
}

/** The user's order stored under an Idempotency-Key (one at most: the key is unique per user). */
export async function orderByIdempotencyKey(db: Db, userId: string, key: string): Promise<StoredOrder | undefined> {
  const [row] = await db`select * from orders where user_id = ${userId} and idempotency_key = ${key}`;
  return row && toOrder(row);
}

export async function ordersOfUser(
  db: Db,
  userId: string,
  filter: { before?: string; limit: number; pair?: string; open?: boolean },
): Promise<StoredOrder[]> {
  const rows = await db`
    select * from orders where user_id = ${userId}
      ${filter.before ? db`and id < ${filter.before}` : db``}
      ${filter.pair ? db`and pair = ${filter.pair}` : db``}
      ${filter.open === undefined ? db`` : filter.open ? db`and status in ('new', 'open')` : db`and status not in ('new', 'open')`}
    order by id desc limit ${filter.limit}`;
  return rows.map(toOrder);
}

/** What operators filter every user's orders by; `open` is an order still on the book (new or open). */
export interface OrderFilter {
  pair?: string;
  userId?: string;
  status?: 'open' | Exclude<OrderStatus, 'new' | 'open'>;
  side?: Side;
  /** Keyset: orders with a smaller id than this (the last one of the previous page). */
  before?: string;
  limit: number;
}

/** Every user's orders, newest first: the open ones through `open_orders`, a user's by their index, the rest by id. */
export async function ordersForOperators(db: Db, filter: OrderFilter): Promise<StoredOrder[]> {
  // each open order's row by its key (lateral, limit 1): joined as a set, the planner judged `status` by the orders
  // table's statistics and scanned all of it
  const open = filter.status === 'open';
  const rows = await db`
    select o.* from ${
      open ? db`open_orders k cross join lateral (select * from orders o where o.id = k.id limit 1) o` : db`orders o`
    } where true
      ${filter.userId ? db`and o.user_id = ${filter.userId}` : db``}
      ${filter.pair ? (open ? db`and k.pair = ${filter.pair}` : db`and o.pair = ${filter.pair}`) : db``}
      ${filter.side ? db`and o.side = ${filter.side}` : db``}
      ${open ? db`and o.status in ('new', 'open')` : filter.status ? db`and o.status = ${filter.status}` : db``}
      ${filter.before ? (open ? db`and k.id < ${filter.before}` : db`and o.id < ${filter.before}`) : db``}
    order by ${open ? db`k.id` : db`o.id`} desc limit ${filter.limit}`;
  return rows.map(toOrder);
}

/** Records the operator on an order they cancelled (only once it is cancelled: a fill that won the race keeps none). */
export async function recordCancelledBy(db: Db, orderId: string, operatorId: string): Promise<void> {
  await db`update orders set cancelled_by = ${operatorId} where id = ${orderId} and status = 'cancelled'`;
}

export async function tradesOfOrder(db: Db, orderId: string): Promise<StoredTrade[]> {
  const rows = await db`
    select * from trades where buy_order_id = ${orderId} or sell_order_id = ${orderId} order by pair, id`;
  return rows.map(toTrade);
}

/** The user's trades, newest first, before the trade numbered `before` when given. */
export async function tradesOfUser(
  db: Db,
  userId: string,
  filter: { pair?: string; limit: number; before?: string },
): Promise<StoredTrade[]> {
  const rows = await db`
    select * from (
      select * from trades where buyer_id = ${userId}
      union all
      select * from trades where seller_id = ${userId}) t
    where true
      ${filter.pair ? db`and pair = ${filter.pair}` : db``}
      ${filter.before ? db`and no < ${filter.before}` : db``}
    order by no desc limit ${filter.limit}`;
  return rows.map(toTrade);
}
