/**
 * Settles what the engine decided, many commands per SQL transaction (group commit): the trades' linked ledger
 * transfers, the trade rows, the orders' new state and the market's settled sequence number, together. Keys come from
 * trade and order ids, so settling a command again after a crash replays and moves nothing twice.
 */
import type { Applied, MarketSnapshot } from '../../domain/exchange/market-state.js';
import type { OrderFunds } from '../../domain/exchange/settlement.js';
import type { Pair } from '../../domain/exchange/pairs.js';
import type { Tx } from '../../platform/db/client.js';
import { commitDecisions, type GroupDecision } from '../ledger/journal.js';
import type { TransferGroup } from '../../domain/ledger/engine.js';
import { markSettled, saveSnapshot } from './journal.js';
import { toCandle, upsertCandles, type Candle } from './candles-store.js';
import { formatAmountForPeople } from '../../domain/money.js';
import { orderId, publishOrderUpdates } from '../orders/client.js';
import { ordersWithCallbacks } from '../webhooks/client.js';
import { notifyUsers } from '../notifications/client.js';
import { toOrder, type StoredOrder } from './orders-store.js';
import { numberArray } from '../../platform/db/number-array.js';
import { extended } from '../../domain/objects.js';

export interface SettlementItem {
  applied: Applied;
  /** When its command was journaled (JournalRow.at): its trades' time, and so their candles'. */
  at: Date | null;
  /** Taken right after this command applied; stored once the command is settled, never before. */
  snapshot?: { state: MarketSnapshot; hash: string };
  /** A caller waits for this command's order as settled (a cancel): its row comes back in `Settled.orders`. */
  answered?: boolean;
}

/**
 * Settles a batch; answers the candles its new trades changed and, as stored, the orders of the commands a caller
 * waits for (`answered`: the caller answers from them instead of reading its order back).
 */
export type Settled = { candles: Candle[]; orders: Map<number, StoredOrder> };

export async function settle(tx: Tx, pair: Pair, items: SettlementItem[]): Promise<Settled> {
  checkSettled(pair, await commitDecisions(tx, settlementGroups(items)));
  return recordSettlement(tx, pair, items);
}

/** The batch's ledger groups: a caller committing other groups in the same transaction puts these first. */
export const settlementGroups = (items: SettlementItem[]): TransferGroup[] => items.flatMap((i) => i.applied.groups);

/** The engine only plans moves of funds it holds: a refusal is a bug, and settling must stop rather than skip it. */
export function checkSettled(pair: Pair, outcomes: GroupDecision[]): void {
  const refused = outcomes.find((o) => !o.ok);
  if (refused && !refused.ok)
    throw new Error(`${pair.code}: settlement refused by the ledger: ${refused.error.message} (${refused.error.subject})`);
}

/**
 * Everything of a settled batch but its ledger groups (committed before it in the transaction). Its statements are
 * sent at once, with any the caller issues in the same tick: postgres.js pipelines them and the server runs them in
 * order, one round trip.
 */
export async function recordSettlement(tx: Tx, pair: Pair, items: SettlementItem[]): Promise<Settled> {
  if (items.length === 0) return { candles: [], orders: new Map() };
  const ids = [...new Set(items.flatMap((i) => i.applied.orders.map((o) => orderId('ord', o.orderId))))];
  const [candles, orders, withCallbacks] = await Promise.all([
    insertTrades(tx, pair, items),
    updateOrders(
      tx,
      items,
      items.flatMap((i) => (i.answered ? [i.applied.orderId] : [])),
    ),
    // the few orders with a callback, read beside the updates (linked in the transaction that stored the order)
    ordersWithCallbacks(tx, ids),
    markSettled(tx, pair.code, items[items.length - 1]!.applied.seq),
    notifyFilled(tx, pair, items),
    ...items.flatMap((i) => (i.snapshot ? [saveSnapshot(tx, pair.code, i.snapshot.state, i.snapshot.hash)] : [])),
  ]);
  // after updateOrders: a callback tells the state just written
  if (withCallbacks.length > 0) await publishOrderUpdates(tx, withCallbacks);
  return { candles, orders };
}

/** Stores the batch's trades (each once) and folds the new ones into the candles; answers the candles changed. */
async function insertTrades(tx: Tx, pair: Pair, items: SettlementItem[]): Promise<Candle[]> {
  const trades = items.flatMap((i) => i.applied.trades.map((t) => ({ trade: t, seq: i.applied.seq, at: i.at })));
  if (trades.length === 0) return [];
  const buy = (t: (typeof trades)[number]['trade']) => (t.takerSide === 'buy' ? 'taker' : 'maker');
  const col = <T>(f: (t: (typeof trades)[number]) => T) => trades.map(f);
  const rows = await tx`
      with inserted as (
      insert into trades (pair, id, seq, price, amount, quote_amount, taker_side, buy_order_id, sell_order_id, buyer_id, seller_id, buyer_fee, seller_fee, created_at)
      select ${pair.code}, * from unnest(
        ${numberArray(col((x) => x.trade.id))}::bigint[],
        ${numberArray(col((x) => x.seq))}::bigint[],
        ${numberArray(col((x) => BigInt(x.trade.price) * pair.tickSize))}::numeric[],
        ${numberArray(col((x) => x.trade.base))}::numeric[],
        ${numberArray(col((x) => x.trade.quote))}::numeric[],
        ${tx.array(col((x) => x.trade.takerSide))}::text[],
        ${numberArray(col((x) => (buy(x.trade) === 'taker' ? x.trade.takerOrderId : x.trade.makerOrderId)))}::bigint[],
        ${numberArray(col((x) => (buy(x.trade) === 'taker' ? x.trade.makerOrderId : x.trade.takerOrderId)))}::bigint[],
        ${tx.array(col((x) => (buy(x.trade) === 'taker' ? x.trade.takerOwner : x.trade.makerOwner)))}::uuid[],
        ${tx.array(col((x) => (buy(x.trade) === 'taker' ? x.trade.makerOwner : x.trade.takerOwner)))}::uuid[],
        ${numberArray(col((x) => (buy(x.trade) === 'taker' ? x.trade.takerFee : x.trade.makerFee)))}::numeric[],
        ${numberArray(col((x) => (buy(x.trade) === 'taker' ? x.trade.makerFee : x.trade.takerFee)))}::numeric[],
        ${tx.array(col((x) => x.at!.toISOString()))}::timestamptz[])
      on conflict do nothing
      returning pair, id, price, amount, quote_amount, created_at)
      ${upsertCandles(tx)}`;
  return rows.map(toCandle);
}

/**
 * Writes the orders' new state and takes those it closed off `open_orders` (migration 983), in one statement; answers,
 * as stored, those of `answered` (most orders' callers were answered already).
 */
async function updateOrders(tx: Tx, items: SettlementItem[], answered: number[]): Promise<Map<number, StoredOrder>> {
  // the last state of each order in the batch wins: states are absolute, so a replay writes the same values
  const orders = new Map<number, OrderFunds & { placing: boolean }>();
  for (const item of items)
    for (const o of item.applied.orders)
      orders.set(o.orderId, extended(o, { placing: item.applied.kind === 'place' && item.applied.orderId === o.orderId }));
  if (orders.size === 0) return new Map();
  const rows = [...orders.values()];
  const ids = numberArray(rows.map((r) => r.orderId));
  const closed = numberArray(rows.flatMap((r) => (r.status === 'open' ? [] : [r.orderId])));
  // an order whose last change is its own placement was decided when it was journaled: it keeps that time, which is
  // also the updated_at its placer was answered with (before settlement)
  const updated = await tx`
    with updated as (
    update orders o set status = u.status, reason = nullif(u.reason, ''), filled_amount = u.filled_amount, filled_quote = u.filled_quote,
      fee = u.fee, held = u.held, updated_at = case when u.by_placement then o.created_at else now() end
    from unnest(
      ${ids}::bigint[],
      ${tx.array(rows.map((r) => r.status))}::text[],
      ${tx.array(rows.map((r) => r.reason ?? ''))}::text[],
      ${numberArray(rows.map((r) => r.filledBase))}::numeric[],
      ${numberArray(rows.map((r) => r.filledQuote))}::numeric[],
      ${numberArray(rows.map((r) => r.fee))}::numeric[],
      ${numberArray(rows.map((r) => r.held))}::numeric[],
      ${numberArray(rows.map((r) => r.placing))}::boolean[]) as u(id, status, reason, filled_amount, filled_quote, fee, held, by_placement)
    -- the id list again, as an index condition: joined only to unnest's rows, the planner hashed the whole table of a
    -- young market (its statistics still those of a smaller table) on every batch
    where o.id = u.id and o.id = any(${ids}::bigint[])
    returning o.*),
    -- closed states are final: a replay deletes nothing more
    no_longer_open as (delete from open_orders where id = any(${closed}::bigint[]))
    select * from updated where id = any(${numberArray(answered)}::bigint[])`;
  return new Map(updated.map((r) => [Number(r.id), toOrder(r)]));
}

/** Tells the owners of the orders this batch filled, in its transaction (each order once: the key is its id). */
async function notifyFilled(tx: Tx, pair: Pair, items: SettlementItem[]): Promise<void> {
  const filled = new Map<number, OrderFunds>();
  for (const item of items)
    for (const o of item.applied.orders) if (o.status === 'filled' && o.filledBase > 0n) filled.set(o.orderId, o);
  if (filled.size === 0) return;
  await notifyUsers(
    tx,
    [...filled.values()].map((o) => ({
      eventId: `order:${o.orderId}:filled`,
      userId: o.userId,
      type: 'order_filled' as const,
      title: `Your ${o.side} order on ${pair.code} was filled`,
      data: {
        order_id: String(o.orderId),
        pair: pair.code,
        side: o.side,
        quantity: formatAmountForPeople(o.filledBase, pair.baseScale),
        // the average price, in quote units per whole base unit
        price: formatAmountForPeople((o.filledQuote * 10n ** BigInt(pair.baseScale)) / o.filledBase, pair.quoteScale),
      },
    })),
  );
}
