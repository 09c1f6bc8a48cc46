/** Refresh token rotation with reuse detection: a used token presented again revokes its whole family. */
import type { Db } from '../../platform/db/client.js';

/**
 * Stores the token under the session version its sign-in read with the password it checked, unless a password change
 * or reset has moved the version on since: false then, and nothing is stored. The user's row is share-locked for the
 * statement, so a change committing meanwhile is waited for and seen, and one starting after it finds the token to revoke.
 */
export async function insertRefreshToken(
  db: Db,
  token: { id: string; family: string; userId: string; sessionVersion: number; expiresAt: Date },
): Promise<boolean> {
  const stored = await db`
    insert into refresh_tokens (id, family, user_id, session_version, expires_at)
    select ${token.id}, ${token.family}, id, session_version, ${token.expiresAt} from users
    where id = ${token.userId} and session_version = ${token.sessionVersion}
    for share
    returning 1`;
  return stored.length > 0;
}

export type RefreshUse =
  { ok: true; userId: string; family: string } | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' };

/**
 * Marks the token used: of two concurrent uses only one succeeds, and the other revokes the family. Called under the
 * owner's row lock (token-refresh.ts), so that revocation comes after the winner's new token and takes it too. A token
 * issued under an earlier session version than the owner's is refused as revoked (a password change revokes them all;
 * this holds even for one that escaped it).
 */
export async function useRefreshToken(db: Db, id: string, sessionVersion: number): Promise<RefreshUse> {
  const [used] = await db`
    update refresh_tokens set used_at = now()
    where id = ${id} and used_at is null and revoked_at is null and expires_at > now() and session_version = ${sessionVersion}
    returning user_id, family`;
  if (used) return { ok: true, userId: used.userId, family: used.family };
  const [row] = await db`select family, used_at, revoked_at, expires_at, session_version from refresh_tokens where id = ${id}`;
  if (!row) return { ok: false, reason: 'unknown' };
  if (row.revokedAt || row.sessionVersion !== sessionVersion) return { ok: false, reason: 'revoked' };
  if (row.usedAt) {
    await revokeFamily(db, row.family);
    return { ok: false, reason: 'reused' };
  }
  return { ok: false, reason: 'expired' };
}

export async function revokeFamily(db: Db, family: string): Promise<void> {
  await db`update refresh_tokens set revoked_at = now() where family = ${family} and revoked_at is null`;
}

export async function familyOf(db: Db, id: string): Promise<string | null> {
  const [row] = await db`select family from refresh_tokens where id = ${id}`;
  return row?.family ?? null;
}

/** Signs the user out everywhere: every refresh token they hold stops working (a password reset or change). */
export async function revokeAllRefreshTokens(db: Db, userId: string): Promise<void> {
  await db`update refresh_tokens set revoked_at = now() where user_id = ${userId} and revoked_at is null`;
}
