/**
 * Order callbacks: a `callback_url` given with an order is a webhook endpoint of its owner's (`callback`, subscribed
 * to no event type, one per user and URL, signed with the user's callback secret), linked to the order in
 * `order_callbacks`. An order's state change is an event delivered to that endpoint alone, by the same delivery
 * workflow, signing, retries and attempt log as every webhook.
 */
import { eventBody } from '../../domain/webhooks/events.js';
import type { Db } from '../../platform/db/client.js';
import { DELIVERIES_CHANNEL } from './events-store.js';

/** The one event type of callbacks: the order's current status, under an event id keyed by the state it reached. */
export const ORDER_CALLBACK_EVENT = 'order.updated';

/** Links the order to the user's callback endpoint for `url` (created on first use). Linking again changes nothing. */
export async function linkCallback(
  tx: Db,
  link: { orderId: string; userId: string; url: string; secretSealed: string },
): Promise<void> {
  await tx`
    with endpoint as (
      insert into webhook_endpoints (merchant_id, url, event_types, callback, secret_sealed, description)
      values (${link.userId}, ${link.url}, '{}', true, ${link.secretSealed}, 'order callbacks')
      on conflict (merchant_id, url) where callback do update set updated_at = now()
      returning id
    )
    insert into order_callbacks (order_id, user_id, endpoint_id)
    select ${link.orderId}, ${link.userId}, id from endpoint
    on conflict (order_id) do nothing`;
}

/** Which of these orders have a callback (one statement for a whole page of orders). */
export async function ordersWithCallbacks(db: Db, orderIds: string[]): Promise<string[]> {
  if (orderIds.length === 0) return [];
  const rows = await db`select order_id from order_callbacks where order_id = any(${db.array(orderIds)}::text[])`;
  return rows.map((r) => r.orderId as string);
}

/** The user whose order has a callback; null when it has none. */
export async function callbackOwner(db: Db, orderId: string): Promise<string | null> {
  const [row] = await db`select user_id from order_callbacks where order_id = ${orderId}`;
  return (row?.userId as string | undefined) ?? null;
}

/**
 * Stores the callback event `eventId` of an order with a callback, and its delivery; answers whether it stored one
 * (not for an order without a callback, nor for an event stored before). The worker starts it at commit, once the
 * order's earlier callbacks are delivered or failed: they go out in the order of its states.
 */
export async function storeCallbackEvent(
  tx: Db,
  event: { eventId: string; orderId: string; data: Record<string, unknown> },
): Promise<boolean> {
  const createdAt = new Date();
  const body = eventBody({ id: event.eventId, type: ORDER_CALLBACK_EVENT, data: event.data }, createdAt);
  const stored = await tx`
    with callback as (
      select user_id, endpoint_id from order_callbacks where order_id = ${event.orderId}
    ), stored as (
      insert into webhook_events (id, merchant_id, type, body, created_at)
      select ${event.eventId}, user_id, ${ORDER_CALLBACK_EVENT}, ${body}, ${createdAt} from callback
      on conflict (id) do nothing
      returning id, merchant_id
    )
    insert into webhook_deliveries (event_id, endpoint_id, merchant_id, ordered_by)
    select s.id, c.endpoint_id, s.merchant_id, ${`order:${event.orderId}`} from stored s, callback c
    returning id`;
  if (stored.length > 0) await tx`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
  return stored.length > 0;
}

/** An order's callback deliveries, oldest first. */
export async function callbackDeliveryIds(db: Db, orderId: string): Promise<string[]> {
  const rows = await db`
    select d.id from order_callbacks c
    join webhook_deliveries d on d.endpoint_id = c.endpoint_id
    join webhook_events ev on ev.id = d.event_id
    where c.order_id = ${orderId} and ev.type = ${ORDER_CALLBACK_EVENT}
      and ev.id like ${`order:${orderId}:%`}
    order by d.position`;
  return rows.map((r) => r.id as string);
}
