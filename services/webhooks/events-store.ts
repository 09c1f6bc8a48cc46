/**
 * Publishing an event in the caller's SQL transaction: the event's body and one delivery per enabled endpoint of its
 * merchant subscribed to its type, idempotently by event id. Events nobody subscribed to are not stored, so a
 * withdrawal of a user without endpoints costs one statement that inserts nothing.
 */
import { EVENT_ID_PATTERN, eventBody, isWebhookEventType, type WebhookEvent } from '../../domain/webhooks/events.js';
import type { Db } from '../../platform/db/client.js';

/** The channel the worker listens on to start new deliveries' workflows as soon as their transaction commits. */
export const DELIVERIES_CHANNEL = 'sluice_webhooks';

export interface StoredDelivery {
  id: string;
  eventId: string;
  endpointId: string;
}

function checkEvent(event: WebhookEvent): void {
  if (!EVENT_ID_PATTERN.test(event.id)) throw new Error(`webhook event id ${JSON.stringify(event.id)} is not a business key`);
  if (!isWebhookEventType(event.type)) throw new Error(`unknown webhook event type ${String(event.type)}`);
}

/** Stores the events and their deliveries in `tx`; answers the deliveries stored (none for events published before). */
export async function storeEvents(tx: Db, events: WebhookEvent[]): Promise<StoredDelivery[]> {
  if (events.length === 0) return [];
  events.forEach(checkEvent);
  const createdAt = new Date();
  const column = <T>(pick: (e: WebhookEvent) => T) => tx.array(events.map(pick) as never[]);
  const deliveries = await tx`
    with input as (
      select * from unnest(
        ${column((e) => e.id)}::text[], ${column((e) => e.merchantId)}::uuid[], ${column((e) => e.type)}::text[],
        ${column((e) => eventBody(e, createdAt))}::text[], ${column((e) => e.orderedBy ?? null)}::text[]
      ) with ordinality as t(id, merchant_id, type, body, ordered_by, n)
    ), subscribed as (
      select i.id as event_id, e.id as endpoint_id, i.merchant_id, i.ordered_by, i.n
      from input i join webhook_endpoints e
        on e.merchant_id = i.merchant_id and e.enabled and e.deleted_at is null and i.type = any(e.event_types)
    ), events as (
      insert into webhook_events (id, merchant_id, type, body, created_at)
      select i.id, i.merchant_id, i.type, i.body, ${createdAt} from input i
      where exists (select 1 from subscribed s where s.event_id = i.id)
      on conflict (id) do nothing
      returning id
    )
    insert into webhook_deliveries (event_id, endpoint_id, merchant_id, ordered_by)
    select s.event_id, s.endpoint_id, s.merchant_id, s.ordered_by from subscribed s join events ev on ev.id = s.event_id
    order by s.n -- positions in the events' order: one subject's deliveries go out in it
    returning id, event_id, endpoint_id`;
  // delivered at commit, and only then: a rolled-back transaction starts no workflow
  if (deliveries.length > 0) await tx`select pg_notify(${DELIVERIES_CHANNEL}, '')`;
  return deliveries.map((d) => ({ id: d.id as string, eventId: d.eventId as string, endpointId: d.endpointId as string }));
}
