/** The channels users chose per event type, and where they can be reached (mail address, linked Telegram chat). */
import type { UserChannel, UserEvent } from '../../domain/notifications/events.js';
import type { UserReach } from '../../domain/notifications/routing.js';
import type { Db } from '../../platform/db/client.js';
import { isTelegramPlaceholder } from '../../domain/users-auth/telegram-placeholder.js';

export async function preferencesOf(db: Db, userId: string): Promise<Map<UserEvent, UserChannel[]>> {
  const rows = await db`select event_type, channels from notification_preferences where user_id = ${userId}`;
  return new Map(rows.map((r) => [r.eventType as UserEvent, r.channels as UserChannel[]]));
}

/** Every preference of these users, by `<user id>:<event type>`. */
export async function preferencesOfUsers(db: Db, userIds: string[]): Promise<Map<string, UserChannel[]>> {
  if (userIds.length === 0) return new Map();
  const rows = await db`
    select user_id, event_type, channels from notification_preferences where user_id = any(${db.array(userIds)}::uuid[])`;
  return new Map(rows.map((r) => [`${r.userId}:${r.eventType}`, r.channels as UserChannel[]]));
}

export async function setPreferences(db: Db, userId: string, choices: Array<{ eventType: UserEvent; channels: UserChannel[] }>) {
  if (choices.length === 0) return;
  await db`
    insert into notification_preferences (user_id, event_type, channels)
    select ${userId}::uuid, e, string_to_array(c, ',')::text[]
    from unnest(${db.array(choices.map((c) => c.eventType))}::text[], ${db.array(choices.map((c) => c.channels.join(',')))}::text[]) as t(e, c)
    on conflict (user_id, event_type) do update set channels = excluded.channels, updated_at = now()`;
}

/** Where a user's row says they can be reached: no mail to the placeholder of an account made from Telegram. */
export function reachOf(row: Record<string, unknown>): UserReach {
  const email = row.email as string;
  return { email: isTelegramPlaceholder(email) ? null : email, telegramChatId: row.chatId === null ? null : String(row.chatId) };
}

/** Mail address and linked Telegram chat of each user, by id. */
export async function reachOfUsers(db: Db, userIds: string[]): Promise<Map<string, UserReach>> {
  if (userIds.length === 0) return new Map();
  const rows = await db`
    select u.id, u.email, t.chat_id from users u left join telegram_chats t on t.user_id = u.id
    where u.id = any(${db.array(userIds)}::uuid[])`;
  return new Map(rows.map((r) => [r.id as string, reachOf(r)]));
}
