/**
 * Telegram as a way in: signing in with Login Widget data (creating the account on first sight), and linking or
 * unlinking a Telegram account to an existing user. The data is checked by telegram-identity.ts before it gets here.
 */
import { randomBytes } from 'node:crypto';
import { DomainError, ErrorCode } from '../../domain/errors.js';
import { PLACEHOLDER_DOMAIN, placeholderEmail } from '../../domain/users-auth/telegram-placeholder.js';
import { hashPassword } from '../../platform/crypto/passwords.js';
import type { Db } from '../../platform/db/client.js';
import type { SignInGuard } from './second-factor.js';
import { admit } from './sign-in.js';
import { rememberSignInIp } from './sign-in-ips.js';
import { insertUser, userWithSecretsById, type User } from './users-store.js';

export interface TelegramIdentity {
  telegramId: string;
  username: string | null;
}

/** Signs in the user linked to this Telegram account, creating one first when there is none. */
export async function signInWithTelegram(
  guard: SignInGuard,
  identity: TelegramIdentity,
  credentials: { totp?: string; ip: string },
): Promise<{ user: User; created: boolean }> {
  const { sql } = guard;
  let created = false;
  let userId = await linkedUser(sql, identity.telegramId);
  if (!userId) {
    // nobody knows this password: the account signs in through Telegram until its owner adds another way
    const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
    userId = await sql.begin(async (tx) => {
      const user = await insertUser(tx, { email: placeholderEmail(identity.telegramId), passwordHash, role: 'user' });
      if (!user) return null; // a concurrent first sign-in created it
      await tx`insert into telegram_accounts (telegram_id, user_id, username) values (${identity.telegramId}, ${user.id}, ${identity.username})`;
      return user.id;
    });
    created = userId !== null;
    userId ??= await linkedUser(sql, identity.telegramId);
    if (!userId) throw new DomainError(ErrorCode.Conflict, 'this Telegram account is being set up; try again');
  }
  const user = await admit(guard, (await userWithSecretsById(sql, userId))!, credentials);
  await rememberSignInIp(sql, user.id, credentials);
  return { user, created };
}

/** Links the Telegram account to the user; one Telegram account per user and one user per Telegram account. */
export async function linkTelegram(db: Db, userId: string, identity: TelegramIdentity): Promise<void> {
  const [row] = await db`
    insert into telegram_accounts (telegram_id, user_id, username) values (${identity.telegramId}, ${userId}, ${identity.username})
    on conflict do nothing returning 1`;
  if (row) return;
  if ((await linkedUser(db, identity.telegramId)) === userId) return; // linked already
  throw new DomainError(ErrorCode.Conflict, 'this Telegram account or this user is linked already', [
    { path: 'id', message: 'is linked already' },
  ]);
}

/** Unlinks it, unless Telegram is the account's only way in (it was created from Telegram). */
export async function unlinkTelegram(db: Db, userId: string): Promise<void> {
  if (await unlinkTelegramUnlessOnlyWayIn(db, userId)) return;
  if (await telegramOf(db, userId)) {
    throw new DomainError(
      ErrorCode.Conflict,
      'Telegram is the only way into this account: add a mail address and password (POST /v1/me/email) before unlinking it',
    );
  }
  throw new DomainError(ErrorCode.NotFound, 'no Telegram account is linked');
}

/**
 * Unlinks the user's Telegram account unless it is the only way in (an account made from Telegram, whose placeholder
 * address no password sign-in or reset mail reaches); says whether one was unlinked.
 */
export async function unlinkTelegramUnlessOnlyWayIn(db: Db, userId: string): Promise<boolean> {
  const rows = await db`
    delete from telegram_accounts t using users u
    where t.user_id = ${userId} and u.id = t.user_id and u.email not like ${`%${PLACEHOLDER_DOMAIN}`}
    returning 1`;
  return rows.length > 0;
}

export async function telegramOf(db: Db, userId: string): Promise<TelegramIdentity | null> {
  const [row] = await db`select telegram_id, username from telegram_accounts where user_id = ${userId}`;
  return row ? { telegramId: String(row.telegramId), username: row.username } : null;
}

async function linkedUser(db: Db, telegramId: string): Promise<string | null> {
  const [row] = await db`select user_id from telegram_accounts where telegram_id = ${telegramId}`;
  return row?.userId ?? null;
}
