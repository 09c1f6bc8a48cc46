/** Telegram chats linked to users, and the one-time codes that link them (only a code's hash is stored). */
import type { Db } from '../../platform/db/client.js';

export async function storeLinkCode(db: Db, userId: string, codeHash: string, expiresAt: Date): Promise<void> {
  // one live code per user: asking again replaces the previous one
  await db`delete from telegram_link_codes where user_id = ${userId} and used_at is null`;
  await db`insert into telegram_link_codes (code_hash, user_id, expires_at) values (${codeHash}, ${userId}, ${expiresAt})`;
}

/**
 * Uses a code once and links the chat to its user (a chat linked to someone else moves to this user; a user's earlier
 * chat is replaced). Returns the user, or null for an unknown, used or expired code.
 */
export async function linkChatByCode(db: Db, codeHash: string, chatId: string, username: string | null): Promise<string | null> {
  const [code] = await db`
    update telegram_link_codes set used_at = now()
    where code_hash = ${codeHash} and used_at is null and expires_at > now() returning user_id`;
  if (!code) return null;
  const userId = code.userId as string;
  await db`delete from telegram_chats where chat_id = ${chatId} and user_id <> ${userId}`;
  await db`
    insert into telegram_chats (user_id, chat_id, username) values (${userId}, ${chatId}, ${username})
    on conflict (user_id) do update set chat_id = excluded.chat_id, username = excluded.username, linked_at = now()`;
  return userId;
}

export async function telegramChatOf(
  db: Db,
  userId: string,
): Promise<{ chatId: string; username: string | null; linkedAt: Date } | null> {
  const [row] = await db`select chat_id, username, linked_at from telegram_chats where user_id = ${userId}`;
  return row
    ? { chatId: String(row.chatId), username: (row.username as string | null) ?? null, linkedAt: row.linkedAt as Date }
    : null;
}

export async function unlinkTelegram(db: Db, userId: string): Promise<boolean> {
  return (await db`delete from telegram_chats where user_id = ${userId} returning user_id`).length > 0;
}
