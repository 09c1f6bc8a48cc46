/** Where operator alerts go: Slack incoming webhooks, Telegram chats or mail addresses, per alert type or for all. */
import type { Channel } from '../../domain/notifications/events.js';
import type { AlertRoute, Severity } from '../../domain/notifications/routing.js';
import type { Db } from '../../platform/db/client.js';

export interface StoredAlertRoute extends AlertRoute {
  target: string;
  createdAt: Date;
}

const toRoute = (r: Record<string, unknown>): StoredAlertRoute => ({
  id: String(r.id),
  eventType: r.eventType as string,
  channel: r.channel as Channel,
  target: r.target as string,
  minSeverity: r.minSeverity as Severity,
  createdAt: r.createdAt as Date,
});

export async function listAlertRoutes(db: Db): Promise<StoredAlertRoute[]> {
  return (await db`select * from alert_routes order by id`).map(toRoute);
}

export async function alertRouteById(db: Db, id: string): Promise<StoredAlertRoute | null> {
  const [row] = await db`select * from alert_routes where id = ${id}`;
  return row ? toRoute(row) : null;
}

/** Adds a route; the same type, channel and target again answers the existing one. */
export async function addAlertRoute(
  db: Db,
  r: { eventType: string; channel: Channel; target: string; minSeverity: Severity; createdBy: string },
): Promise<StoredAlertRoute> {
  const [row] = await db`
    insert into alert_routes (event_type, channel, target, min_severity, created_by)
    values (${r.eventType}, ${r.channel}, ${r.target}, ${r.minSeverity}, ${r.createdBy})
    on conflict (event_type, channel, target) do update set min_severity = excluded.min_severity
    returning *`;
  return toRoute(row!);
}

export async function deleteAlertRoute(db: Db, id: string): Promise<boolean> {
  return (await db`delete from alert_routes where id = ${id} returning id`).length > 0;
}
