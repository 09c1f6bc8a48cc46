/** A merchant's webhook endpoints: where events go, which types they take, and their sealed signing secrets. */
import type { WebhookEventType } from '../../domain/webhooks/events.js';
import type { Db } from '../../platform/db/client.js';

export interface Endpoint {
  id: string;
  merchantId: string;
  url: string;
  eventTypes: WebhookEventType[];
  enabled: boolean;
  description: string | null;
  secretSealed: string;
  previousSecretSealed: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const toEndpoint = (r: Record<string, unknown>): Endpoint => ({
  id: r.id as string,
  merchantId: r.merchantId as string,
  url: r.url as string,
  eventTypes: r.eventTypes as WebhookEventType[],
  enabled: r.enabled as boolean,
  description: (r.description as string | null) ?? null,
  secretSealed: r.secretSealed as string,
  previousSecretSealed: (r.previousSecretSealed as string | null) ?? null,
  previousSecretExpiresAt: (r.previousSecretExpiresAt as Date | null) ?? null,
  createdAt: r.createdAt as Date,
  updatedAt: r.updatedAt as Date,
});

export async function insertEndpoint(
  db: Db,
  e: {
    merchantId: string;
    url: string;
    eventTypes: WebhookEventType[];
    enabled: boolean;
    description: string | null;
    secretSealed: string;
  },
): Promise<Endpoint> {
  const [row] = await db`
    insert into webhook_endpoints (merchant_id, url, event_types, enabled, description, secret_sealed)
    values (${e.merchantId}, ${e.url}, ${e.eventTypes}, ${e.enabled}, ${e.description}, ${e.secretSealed})
    returning *`;
  return toEndpoint(row!);
}

/** The merchant's endpoint (not deleted), or null: another merchant's endpoint is as absent as a missing one. */
export async function endpointOf(db: Db, merchantId: string, id: string, lock = false): Promise<Endpoint | null> {
  const [row] = await db`
    select * from webhook_endpoints where id = ${id} and merchant_id = ${merchantId} and deleted_at is null and not callback
    ${lock ? db`for update` : db``}`;
  return row ? toEndpoint(row) : null;
}

/** Whether a delivery's endpoint (the merchant's, or an order's callback: redelivery takes both) is on, off or deleted. */
export async function deliveryEndpointState(db: Db, merchantId: string, id: string): Promise<'on' | 'off' | 'deleted'> {
  const [row] =
    await db`select enabled from webhook_endpoints where id = ${id} and merchant_id = ${merchantId} and deleted_at is null`;
  return !row ? 'deleted' : row.enabled ? 'on' : 'off';
}

export async function endpointsOf(db: Db, merchantId: string): Promise<Endpoint[]> {
  const rows = await db`
    select * from webhook_endpoints where merchant_id = ${merchantId} and deleted_at is null and not callback order by created_at, id`;
  return rows.map(toEndpoint);
}

export async function updateEndpoint(
  db: Db,
  id: string,
  change: { url?: string; eventTypes?: WebhookEventType[]; enabled?: boolean; description?: string | null },
): Promise<Endpoint> {
  const [row] = await db`
    update webhook_endpoints set
      url = coalesce(${change.url ?? null}, url),
      event_types = coalesce(${change.eventTypes ?? null}::text[], event_types),
      enabled = coalesce(${change.enabled ?? null}, enabled),
      description = ${change.description === undefined ? db`description` : change.description},
      updated_at = now()
    where id = ${id} returning *`;
  return toEndpoint(row!);
}

/** Deleted endpoints stay (their deliveries keep their history) but take no events and are no longer listed. */
export async function deleteEndpoint(db: Db, id: string): Promise<void> {
  await db`update webhook_endpoints set deleted_at = now(), enabled = false, updated_at = now() where id = ${id}`;
}

/** The new secret replaces the current one, which stays valid (deliveries are signed with both) until `previousUntil`. */
export async function rotateSecret(db: Db, id: string, secretSealed: string, previousUntil: Date): Promise<Endpoint> {
  const [row] = await db`
    update webhook_endpoints set
      previous_secret_sealed = secret_sealed,
      previous_secret_expires_at = ${previousUntil},
      secret_sealed = ${secretSealed},
      updated_at = now()
    where id = ${id} returning *`;
  return toEndpoint(row!);
}
