/**
 * A refresh token rotated into a new pair in one transaction, under the owner's row lock (lockOwnerOfRefreshToken):
 * two concurrent uses of a token take turns, so the loser finds it used and revokes its family after the winner's new
 * token exists, that token with it. A refusal of the user or their address rolls the use back: the token still works
 * from an allowed address. A token issued under an earlier session version than its owner's (before a password change
 * or reset) is refused as revoked.
 */
import type { Sql } from '../../platform/db/client.js';
import { useRefreshToken, type RefreshUse } from './refresh-tokens-store.js';
import { checkSessionStart } from './sign-in.js';
import type { TokenPair, Tokens } from './tokens.js';
import { lockOwnerOfRefreshToken } from './users-store.js';

export type RefreshFailure = Extract<RefreshUse, { ok: false }>;

/** The new pair, or why the token was refused; a disabled user or an address off their allow-list is a DomainError. */
export async function rotateRefreshToken(
  sql: Sql,
  tokens: Tokens,
  refresh: { id: string; ip: string },
): Promise<TokenPair | RefreshFailure> {
  return sql.begin(async (tx): Promise<TokenPair | RefreshFailure> => {
    const user = await lockOwnerOfRefreshToken(tx, refresh.id);
    if (!user) return { ok: false, reason: 'unknown' };
    // a reuse's revocation commits whoever sends it; the checks after it roll a good token's use back
    const use = await useRefreshToken(tx, refresh.id, user.sessionVersion);
    if (!use.ok) return use;
    checkSessionStart(user, refresh.ip);
    // under the lock the version read is the current one, so the new token is stored
    return (await tokens.issue(tx, user, use.family)) ?? { ok: false, reason: 'revoked' };
  });
}
