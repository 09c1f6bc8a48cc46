/**
 * The orders feature's way in for other features: link a callback URL to an order in the transaction that stores it,
 * tell an order's callback (if it has one) where the order is now, and read one of a user's orders (for repeating it).
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { formatAmount } from '../../domain/money.js';
import { parseOrderId, type OrderRef } from '../../domain/orders/ids.js';
import { stateEventId } from '../../domain/webhooks/events.js';
import { seal } from '../../platform/crypto/sealed.js';
import type { Db, Sql } from '../../platform/db/client.js';
import { loadCurrencies } from '../currencies/catalog.js';
import {
  callbackSecret,
  endpointUrlProblem,
  callbackOwner,
  ordersWithCallbacks,
  linkCallback,
  storeCallbackEvent,
} from '../webhooks/client.js';
import { orderDetails, type OrderDetails } from './details.js';
import { orderOf, type OrderSummary } from './store.js';

export { orderId } from '../../domain/orders/ids.js';
export type { OrderSummary } from './store.js';
export type { OrderDetails } from './details.js';

export interface CallbackDeps {
  sql: Sql;
  /** The webhooks' sealing key: callback endpoints' secrets are sealed with it like every endpoint's. */
  key: Buffer;
  allowPrivateTargets: boolean;
}

/** The user's order, or NotFound (an id of no order, or of another user's, is as absent as a missing one). */
export async function ownOrder(db: Db, userId: string, id: string): Promise<{ ref: OrderRef; order: OrderSummary }> {
  const ref = parseOrderId(id);
  const order = ref ? await orderOf(db, userId, ref) : null;
  if (!ref || !order) throw new DomainError(ErrorCode.NotFound, 'no such order');
  return { ref, order };
}

/** The user's order with its own fields (amounts in minor units), or NotFound. */
export async function ownOrderWithFields(
  db: Db,
  userId: string,
  id: string,
): Promise<{ order: OrderSummary; details: OrderDetails }> {
  const { ref, order } = await ownOrder(db, userId, id);
  return { order, details: await orderDetails(db, ref) };
}

/** What a callback posts as its event's `data`: the order's summary, enough to decide whether to fetch its details. */
function callbackData(order: OrderSummary, scaleOf: (currency: string) => number): Record<string, unknown> {
  return {
    order_id: order.id,
    type: order.type,
    status: order.status,
    state: order.state,
    currency: order.currency,
    counter_currency: order.counterCurrency,
    amount: formatAmount(order.amount, scaleOf(order.currency)),
    created_at: order.createdAt.toISOString(),
  };
}

/**
 * Stores the callback of the order's current state (event id `order:<id>:<state>`, so each state is told once however
 * often this runs), in the caller's transaction; `reachedAgainBy` names what brought the order to its state again
 * (stateEventId). Answers whether a callback was stored; an order without a callback costs one primary-key read.
 */
export async function publishOrderUpdate(tx: Db, orderId: string, reachedAgainBy?: string): Promise<boolean> {
  const userId = await callbackOwner(tx, orderId);
  const ref = parseOrderId(orderId);
  // a quote's callback is linked before it is accepted, and it is an order only once accepted
  const summary = userId && ref ? await orderOf(tx, userId, ref) : null;
  if (!summary) return false;
  const scales = new Map((await loadCurrencies(tx)).map((c) => [c.code, c.scale]));
  return storeCallbackEvent(tx, {
    eventId: stateEventId(`order:${summary.id}`, summary.state, reachedAgainBy),
    orderId: summary.id,
    data: callbackData(summary, (code) => scales.get(code)!),
  });
}

/** Whether a callback is linked to the order (or to the quote that becomes one once accepted). */
export async function orderHasCallback(db: Db, orderId: string): Promise<boolean> {
  return (await callbackOwner(db, orderId)) !== null;
}

/** `publishOrderUpdate` for a page of orders (a settled page of bets): one read finds the few with a callback. */
export async function publishOrderUpdates(tx: Db, orderIds: string[]): Promise<number> {
  let stored = 0;
  for (const id of await ordersWithCallbacks(tx, orderIds)) if (await publishOrderUpdate(tx, id)) stored++;
  return stored;
}

/** A callback URL's problem in the request's field `callback_url`, checked before anything is created. */
export function checkCallbackUrl(deps: CallbackDeps, url: string | undefined): void {
  const problem = url === undefined ? null : endpointUrlProblem(url, deps.allowPrivateTargets);
  if (problem)
    throw new DomainError(ErrorCode.ValidationFailed, `callback_url ${problem}`, [{ path: 'callback_url', message: problem }]);
}

/** A callback URL ready to be linked to its order (its endpoint's secret sealed), in whatever transaction stores the order. */
export interface OrderCallback {
  url: string;
  secretSealed: string;
}

/** An order stored in the caller's transaction, and the callback it was given. */
export interface CallbackLink {
  id: string;
  userId: string;
  callback: OrderCallback;
}

/** The owner's callback for `url`, or undefined when the order was given none. */
export function orderCallback(
  deps: Pick<CallbackDeps, 'key'>,
  userId: string,
  url: string | null | undefined,
): OrderCallback | undefined {
  return url ? { url, secretSealed: seal(deps.key, callbackSecret(deps.key, userId)) } : undefined;
}

/**
 * Links each order stored in `tx` to its callback and tells it the order's state as stored there: linked in the
 * transaction that stores the order, an order is never changed before its callback can see it. An order keeps the
 * first URL it was given.
 */
export async function linkOrderCallbacks(tx: Db, orders: CallbackLink[]): Promise<void> {
  await Promise.all(
    orders.map(async ({ id, userId, callback }) => {
      await linkCallback(tx, { orderId: id, userId, url: callback.url, secretSealed: callback.secretSealed });
      await publishOrderUpdate(tx, id);
    }),
  );
}

/**
 * The repeat path: an order answered again for its Idempotency-Key is linked to its callback in a transaction of its
 * own, and told its state (an order stored by an older version, which linked only after its commit, may have been
 * left unlinked by a crash in between). A new order is linked in the transaction that stores it (linkOrderCallbacks).
 */
export async function linkReplayedOrder(
  sql: Sql,
  order: { id: string; userId: string },
  callback: OrderCallback | undefined,
): Promise<void> {
  if (callback) await sql.begin((tx) => linkOrderCallbacks(tx, [{ id: order.id, userId: order.userId, callback }]));
}

/** The user's callback secret (it signs every callback of theirs, in `Sluice-Signature`). */
export const userCallbackSecret = (deps: Pick<CallbackDeps, 'key'>, userId: string) => callbackSecret(deps.key, userId);
