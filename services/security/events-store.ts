/** The append-only log of security events (db/migrations/850_security.sql refuses UPDATE and DELETE on it). */
import type { Db } from '../../platform/db/client.js';

export const SECURITY_EVENT_KINDS = [
  'login_succeeded',
  'login_failed',
  'login_locked',
  'totp_enabled',
  'totp_disabled',
  'totp_failed',
  'api_key_created',
  'api_key_revoked',
  'api_key_replay_refused',
  'password_changed',
  /** An account made from Telegram gave its own mail address and password (telegram-mailbox.ts). */
  'email_added',
  /** An ordinary account asked to change its address (email-change.ts): its link mailed to the new one. */
  'email_change_requested',
  /** That link followed: the account's address changed, every session signed out. */
  'email_changed',
  'password_reset',
  'role_changed',
  'user_disabled',
  'user_enabled',
  'operator_action',
] as const;
export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

export interface NewSecurityEvent {
  kind: SecurityEventKind;
  /** Whom the event is about. */
  userId?: string | null;
  /** Who acted, when not the user themselves (an admin changing a role). */
  actorId?: string | null;
  ip?: string | null;
  /** Never a secret: ids, codes, paths. */
  detail?: Record<string, unknown>;
}

export interface SecurityEvent {
  id: string;
  at: Date;
  kind: SecurityEventKind;
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

export async function recordSecurityEvent(db: Db, e: NewSecurityEvent): Promise<void> {
  await db`
    insert into security_events (kind, user_id, actor_id, ip, detail)
    values (${e.kind}, ${e.userId ?? null}, ${e.actorId ?? null}, ${e.ip || null}, ${db.json((e.detail ?? {}) as never)})`;
}

/** Newest first, a page before `before` (an id), optionally of one kind or about one user. */
export async function securityEvents(
  db: Db,
  page: { before?: string; limit: number; kind?: SecurityEventKind; userId?: string },
): Promise<SecurityEvent[]> {
  const rows = await db`
    select id, at, kind, user_id, actor_id, ip, detail from security_events
    where true
    ${page.before ? db`and id < ${page.before}` : db``}
    ${page.kind ? db`and kind = ${page.kind}` : db``}
    ${page.userId ? db`and user_id = ${page.userId}` : db``}
    order by id desc limit ${page.limit}`;
  return rows.map((r) => ({
    id: String(r.id),
    at: r.at as Date,
    kind: r.kind as SecurityEventKind,
    userId: (r.userId as string | null) ?? null,
    actorId: (r.actorId as string | null) ?? null,
    ip: (r.ip as string | null) ?? null,
    detail: r.detail as Record<string, unknown>,
  }));
}
