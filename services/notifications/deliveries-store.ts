/**
 * The delivery log: one row per send, keyed so a retried workflow or activity never sends twice. A send claims its row
 * (pending → sending) before it goes out and records the outcome after; a claim found still `sending` belongs to an
 * attempt that died mid-send, so whether it went out is unknown: it becomes `uncertain` and is not sent again.
 */
import type { Channel } from '../../domain/notifications/events.js';
import type { Db } from '../../platform/db/client.js';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'uncertain';

export interface DeliveryRow {
  id: string;
  key: string;
  notificationId: string | null;
  broadcastId: string | null;
  userId: string | null;
  eventType: string;
  channel: Channel;
  target: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  sentAt: Date | null;
}

const toDelivery = (r: Record<string, unknown>): DeliveryRow => ({
  id: String(r.id),
  key: r.key as string,
  notificationId: r.notificationId === null ? null : String(r.notificationId),
  broadcastId: r.broadcastId === null ? null : String(r.broadcastId),
  userId: (r.userId as string | null) ?? null,
  eventType: r.eventType as string,
  channel: r.channel as Channel,
  target: r.target as string,
  status: r.status as DeliveryStatus,
  attempts: Number(r.attempts),
  lastError: (r.lastError as string | null) ?? null,
  createdAt: r.createdAt as Date,
  updatedAt: r.updatedAt as Date,
  sentAt: (r.sentAt as Date | null) ?? null,
});

export type NewDelivery = Pick<
  DeliveryRow,
  'key' | 'notificationId' | 'broadcastId' | 'userId' | 'eventType' | 'channel' | 'target'
>;

/** Records deliveries; keys already recorded are left as they were. */
export async function insertDeliveries(db: Db, rows: NewDelivery[]): Promise<void> {
  if (rows.length === 0) return;
  const column = <T>(pick: (d: NewDelivery) => T) => db.array(rows.map(pick) as never[]);
  await db`
    insert into notification_deliveries (key, notification_id, broadcast_id, user_id, event_type, channel, target)
    select * from unnest(${column((d) => d.key)}::text[], ${column((d) => d.notificationId)}::bigint[],
      ${column((d) => d.broadcastId)}::bigint[], ${column((d) => d.userId)}::uuid[], ${column((d) => d.eventType)}::text[],
      ${column((d) => d.channel)}::text[], ${column((d) => d.target)}::text[])
    on conflict (key) do nothing`;
}

export async function deliveryById(db: Db, id: string): Promise<DeliveryRow | null> {
  const [row] = await db`select * from notification_deliveries where id = ${id}`;
  return row ? toDelivery(row) : null;
}

/** The ids of deliveries by key, in the keys' order (missing keys left out). */
export async function deliveryIdsByKey(db: Db, keys: string[]): Promise<string[]> {
  if (keys.length === 0) return [];
  const rows = await db`select id, key from notification_deliveries where key = any(${db.array(keys)}::text[])`;
  const byKey = new Map(rows.map((r) => [r.key as string, String(r.id)]));
  return keys.flatMap((k) => (byKey.has(k) ? [byKey.get(k)!] : []));
}

/** Of these deliveries, those still to be sent, by id, with their channel and notification. */
export async function openDeliveriesByKey(
  db: Db,
  keys: string[],
): Promise<Array<{ id: string; channel: Channel; notificationId: string | null }>> {
  if (keys.length === 0) return [];
  const rows = await db`
    select id, channel, notification_id from notification_deliveries
    where key = any(${db.array(keys)}::text[]) and status in ('pending', 'sending') order by id`;
  return rows.map((r) => ({
    id: String(r.id),
    channel: r.channel as Channel,
    notificationId: r.notificationId === null ? null : String(r.notificationId),
  }));
}

/** A notification's deliveries still to be sent. */
export async function openDeliveriesOf(db: Db, notificationId: string): Promise<string[]> {
  const rows = await db`
    select id from notification_deliveries where notification_id = ${notificationId} and status in ('pending', 'sending')
    order by id`;
  return rows.map((r) => String(r.id));
}

/**
 * Claims a delivery for one send. Answers the claimed row, or why there is nothing to send: already `done` (sent,
 * failed or uncertain), or `interrupted` (a claim left by an attempt that died mid-send, now marked uncertain).
 */
export async function claimDelivery(
  db: Db,
  id: string,
): Promise<{ claimed: DeliveryRow } | { done: DeliveryRow } | { interrupted: DeliveryRow }> {
  const [claimed] = await db`
    update notification_deliveries set status = 'sending', attempts = attempts + 1, updated_at = now()
    where id = ${id} and status = 'pending' returning *`;
  if (claimed) return { claimed: toDelivery(claimed) };
  const [interrupted] = await db`
    update notification_deliveries set status = 'uncertain', updated_at = now(),
      last_error = 'the worker stopped while sending: not sent again, it may or may not have arrived'
    where id = ${id} and status = 'sending' returning *`;
  if (interrupted) return { interrupted: toDelivery(interrupted) };
  const [row] = await db`select * from notification_deliveries where id = ${id}`;
  return { done: toDelivery(row!) };
}

export async function markDeliverySent(db: Db, id: string): Promise<void> {
  await db`update notification_deliveries set status = 'sent', sent_at = now(), updated_at = now(), last_error = null where id = ${id}`;
}

/** A send that answered with an error: released for the next attempt (`pending`) or given up (`failed`). */
export async function markDeliveryAttemptFailed(db: Db, id: string, error: string, final: boolean): Promise<void> {
  await db`
    update notification_deliveries set status = ${final ? 'failed' : 'pending'}, last_error = ${error.slice(0, 1_000)}, updated_at = now()
    where id = ${id} and status in ('pending', 'sending')`;
}

export interface DeliveryFilter {
  status?: DeliveryStatus;
  channel?: Channel;
  notificationId?: string;
  broadcastId?: string;
  before?: string;
  limit: number;
}

/** The log operators read, newest first. */
export async function listDeliveries(db: Db, f: DeliveryFilter): Promise<DeliveryRow[]> {
  const rows = await db`
    select * from notification_deliveries where true
    ${f.status ? db`and status = ${f.status}` : db``}
    ${f.channel ? db`and channel = ${f.channel}` : db``}
    ${f.notificationId ? db`and notification_id = ${f.notificationId}` : db``}
    ${f.broadcastId ? db`and broadcast_id = ${f.broadcastId}` : db``}
    ${f.before ? db`and id < ${f.before}` : db``}
    order by id desc limit ${f.limit}`;
  return rows.map(toDelivery);
}
