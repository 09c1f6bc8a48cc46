/** Broadcasts (a message to all users or a filtered group) and the pages of their audience. */
import type { UserChannel } from '../../domain/notifications/events.js';
import type { Db } from '../../platform/db/client.js';
import { rowsWithoutWorkflow } from '../../platform/db/workflow-outbox.js';
import { reachOf } from './preferences-store.js';

/** Who a broadcast goes to: everyone, or those of a role, or the users named. */
export interface Audience {
  role?: 'user' | 'merchant' | 'operator' | 'admin';
  userIds?: string[];
}

export interface Broadcast {
  id: string;
  title: string;
  message: string;
  channels: UserChannel[];
  audience: Audience;
  status: 'running' | 'completed' | 'cancelled';
  sent: number;
  failed: number;
  createdBy: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

const toBroadcast = (r: Record<string, unknown>): Broadcast => ({
  id: String(r.id),
  title: r.title as string,
  message: r.message as string,
  channels: r.channels as UserChannel[],
  audience: r.audience as Audience,
  status: r.status as Broadcast['status'],
  sent: Number(r.sent),
  failed: Number(r.failed),
  createdBy: (r.createdBy as string | null) ?? null,
  createdAt: r.createdAt as Date,
  finishedAt: (r.finishedAt as Date | null) ?? null,
});

export async function insertBroadcast(
  db: Db,
  b: Pick<Broadcast, 'title' | 'message' | 'channels' | 'audience'> & { createdBy: string },
): Promise<Broadcast> {
  const [row] = await db`
    insert into broadcasts (title, message, channels, audience, created_by)
    values (${b.title}, ${b.message}, ${db.array(b.channels)}::text[], ${db.json(b.audience as never)}, ${b.createdBy})
    returning *`;
  return toBroadcast(row!);
}

export async function broadcastById(db: Db, id: string): Promise<Broadcast | null> {
  const [row] = await db`select * from broadcasts where id = ${id}`;
  return row ? toBroadcast(row) : null;
}

export async function listBroadcasts(db: Db, page: { before?: string; limit: number }): Promise<Broadcast[]> {
  const rows = await db`
    select * from broadcasts where true ${page.before ? db`and id < ${page.before}` : db``} order by id desc limit ${page.limit}`;
  return rows.map(toBroadcast);
}

export async function unstartedBroadcasts(db: Db, graceSeconds: number): Promise<Broadcast[]> {
  return (await rowsWithoutWorkflow(db, 'broadcasts', graceSeconds)).map(toBroadcast);
}

/** The next page of the audience after `after` (user ids in order), with where each can be reached. */
export async function audiencePage(db: Db, audience: Audience, after: string | null, limit: number) {
  const rows = await db`
    select u.id, u.email, t.chat_id from users u left join telegram_chats t on t.user_id = u.id
    where true
    ${audience.role ? db`and u.role = ${audience.role}` : db``}
    ${audience.userIds ? db`and u.id = any(${db.array(audience.userIds)}::uuid[])` : db``}
    ${after ? db`and u.id > ${after}` : db``}
    order by u.id limit ${limit}`;
  return rows.map((r) => ({ userId: r.id as string, ...reachOf(r) }));
}

/** The broadcast's sends so far, counted from its delivery log (the truth whatever retries happened). */
export async function recordBroadcastProgress(db: Db, id: string): Promise<{ sent: number; failed: number }> {
  const [row] = await db`update broadcasts b set ${countsFromLog(db)} where id = ${id} returning sent, failed`;
  return { sent: Number(row!.sent), failed: Number(row!.failed) };
}

/** Ends a running broadcast with its final counts, in one statement (a reader never sees the end without them). */
export async function finishBroadcast(
  db: Db,
  id: string,
  status: 'completed' | 'cancelled',
): Promise<{ sent: number; failed: number }> {
  await db`update broadcasts b set ${countsFromLog(db)}, status = ${status}, finished_at = now() where id = ${id} and status = 'running'`;
  return recordBroadcastProgress(db, id);
}

const countsFromLog = (db: Db) => db`
  sent = (select count(*) from notification_deliveries where broadcast_id = b.id and status = 'sent'),
  failed = (select count(*) from notification_deliveries where broadcast_id = b.id and status in ('failed', 'uncertain'))`;
