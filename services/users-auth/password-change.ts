/**
 * A signed-in user changes their password: the current one and, with 2FA on, a TOTP code (current-password.ts); every
 * session is then signed out, as after a reset: refresh tokens revoked, access tokens and console sessions refused by
 * the new session version. API keys are kept: the change proves the current password (and code), unlike a reset by
 * mail, which revokes them (password-reset.ts).
 */
import { hashPassword } from '../../platform/crypto/passwords.js';
import { proveCurrentPassword, type CurrentPasswordProof } from './current-password.js';
import { revokeAllRefreshTokens } from './refresh-tokens-store.js';
import type { SignInGuard } from './second-factor.js';
import { setPasswordHash } from './users-store.js';

export async function changePassword(guard: SignInGuard, change: CurrentPasswordProof & { newPassword: string }): Promise<void> {
  const user = await proveCurrentPassword(guard, change);
  const passwordHash = await hashPassword(change.newPassword);
  await guard.sql.begin(async (tx) => {
    await setPasswordHash(tx, user.id, passwordHash);
    await revokeAllRefreshTokens(tx, user.id);
  });
}
