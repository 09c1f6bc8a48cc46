/**
 * Where operator alerts go: Slack incoming webhooks, Telegram chats or mail addresses, per alert type or for all. A
 * Slack hook's URL is a credential, sealed at rest: its row's `target` is only the hook's origin and a keyed digest
 * (what operators see, and what keeps one hook from being routed twice), the URL itself is `target_sealed`.
 */
import { createHmac } from 'node:crypto';
import type { Channel } from '../../domain/notifications/events.js';
import type { AlertRoute, Severity } from '../../domain/notifications/routing.js';
import { seal, unseal } from '../../platform/crypto/sealed.js';
import type { Db } from '../../platform/db/client.js';

export interface StoredAlertRoute extends AlertRoute {
  /** A mail address, a Telegram chat id, or a Slack hook's origin and digest (`https://hooks.slack.com/…#1a2b…`). */
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

/** What a Slack hook's row shows instead of its URL. */
function slackTarget(key: Buffer, url: string): string {
  const digest = createHmac('sha256', key).update(url).digest('hex').slice(0, 16);
  return `${new URL(url).origin}/…#${digest}`;
}

export async function listAlertRoutes(db: Db): Promise<StoredAlertRoute[]> {
  return (await db`select * from alert_routes order by id`).map(toRoute);
}

/** The route, with where to send: the Slack hook's URL unsealed. */
export async function alertRouteById(db: Db, id: string, key: Buffer): Promise<(StoredAlertRoute & { address: string }) | null> {
  const [row] = await db`select * from alert_routes where id = ${id}`;
  if (!row) return null;
  const route = toRoute(row);
  return { ...route, address: row.targetSealed ? unseal(key, row.targetSealed as string) : route.target };
}

/** Adds a route; the same type, channel and target again answers the existing one. */
export async function addAlertRoute(
  db: Db,
  key: Buffer,
  r: { eventType: string; channel: Channel; target: string; minSeverity: Severity; createdBy: string },
): Promise<StoredAlertRoute> {
  const slack = r.channel === 'slack';
  const [row] = await db`
    insert into alert_routes (event_type, channel, target, target_sealed, min_severity, created_by)
    values (${r.eventType}, ${r.channel}, ${slack ? slackTarget(key, r.target) : r.target},
            ${slack ? seal(key, r.target) : null}, ${r.minSeverity}, ${r.createdBy})
    on conflict (event_type, channel, target) do update set min_severity = excluded.min_severity
    returning *`;
  return toRoute(row!);
}

/** Seals the Slack hooks of routes saved before their URLs were sealed (the worker's start-up). */
export async function sealSlackRoutes(db: Db, key: Buffer): Promise<number> {
  const plain = await db`select id, target from alert_routes where channel = 'slack' and target_sealed is null`;
  for (const r of plain)
    await db`
      update alert_routes set target = ${slackTarget(key, r.target as string)}, target_sealed = ${seal(key, r.target as string)}
      where id = ${r.id} and target_sealed is null`;
  return plain.length;
}

export async function deleteAlertRoute(db: Db, id: string): Promise<boolean> {
  return (await db`delete from alert_routes where id = ${id} returning id`).length > 0;
}
