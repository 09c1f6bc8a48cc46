/**
 * Notification records for users and operators (user id null), one per idempotency key. Each one recorded is queued in
 * `notifications_outbox` in the same statement, for the dispatcher.
 */
import type { Db } from '../../platform/db/client.js';

export type Severity = 'info' | 'warning' | 'critical';

export interface NewNotification {
  key: string;
  userId: string | null;
  kind: string;
  severity?: Severity;
  title: string;
  body?: Record<string, unknown>;
}

export interface Notification extends Required<Omit<NewNotification, 'userId'>> {
  id: string;
  userId: string | null;
  createdAt: Date;
  readAt: Date | null;
}

const toNotification = (r: Record<string, unknown>): Notification => ({
  id: String(r.id),
  key: r.key as string,
  userId: (r.userId as string | null) ?? null,
  kind: r.kind as string,
  severity: r.severity as Severity,
  title: r.title as string,
  body: r.body as Record<string, unknown>,
  createdAt: r.createdAt as Date,
  readAt: (r.readAt as Date | null) ?? null,
});

/** Records a notification; the same key again changes nothing and returns the first one. */
export async function notify(db: Db, n: NewNotification): Promise<Notification> {
  const [inserted] = await db`
    with inserted as (
      insert into notifications (key, user_id, kind, severity, title, body)
      values (${n.key}, ${n.userId}, ${n.kind}, ${n.severity ?? 'info'}, ${n.title}, ${db.json((n.body ?? {}) as never)})
      on conflict (key) do nothing returning *
    ), queued as (insert into notifications_outbox select id from inserted)
    select * from inserted`;
  if (inserted) return toNotification(inserted);
  const [existing] = await db`select * from notifications where key = ${n.key}`;
  return toNotification(existing!);
}

/** A user's notifications, or the operators' (userId null), newest first. */
export async function notificationsFor(db: Db, userId: string | null, page: { before?: string; limit: number; kind?: string }) {
  const rows = await db`
    select * from notifications
    where ${userId === null ? db`user_id is null` : db`user_id = ${userId}`}
    ${page.before ? db`and id < ${page.before}` : db``}
    ${page.kind ? db`and kind = ${page.kind}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map(toNotification);
}

export async function markRead(db: Db, userId: string, id: string): Promise<boolean> {
  const rows =
    await db`update notifications set read_at = coalesce(read_at, now()) where id = ${id} and user_id = ${userId} returning id`;
  return rows.length > 0;
}

/** Records many notifications in one statement (a page of settled bets); keys already recorded are left as they were. */
export async function notifyMany(db: Db, notifications: NewNotification[]): Promise<void> {
  if (notifications.length === 0) return;
  const column = <T>(pick: (n: NewNotification) => T) => db.array(notifications.map(pick) as never[]);
  await db`
    with inserted as (
      insert into notifications (key, user_id, kind, severity, title, body)
      select * from unnest(${column((n) => n.key)}::text[], ${column((n) => n.userId)}::uuid[], ${column((n) => n.kind)}::text[],
        ${column((n) => n.severity ?? 'info')}::text[], ${column((n) => n.title)}::text[], ${column((n) => JSON.stringify(n.body ?? {}))}::jsonb[])
      on conflict (key) do nothing returning id
    )
    insert into notifications_outbox select id from inserted`;
}

export async function notificationById(db: Db, id: string): Promise<Notification | null> {
  const [row] = await db`select * from notifications where id = ${id}`;
  return row ? toNotification(row) : null;
}
