/**
 * A signed-in user changes their password: the current one and, with 2FA on, a TOTP code (the sign-in rule, so it
 * exists once); every session is then signed out, as after a reset: refresh tokens revoked, access tokens and console
 * sessions refused by the new session version. API keys are kept: the change proves the current password (and code),
 * unlike a reset by mail, which revokes them (password-reset.ts).
 */
import { hashPassword } from '../../platform/crypto/passwords.js';
import type { Sql } from '../../platform/db/client.js';
import { revokeAllRefreshTokens } from './refresh-tokens-store.js';
import { signIn } from './sign-in.js';
import { setPasswordHash } from './users-store.js';

export interface PasswordChange {
  email: string;
  currentPassword: string;
  newPassword: string;
  totp?: string;
  ip: string;
}

export async function changePassword(db: Sql, totpKey: Buffer, change: PasswordChange): Promise<void> {
  const user = await signIn(db, totpKey, {
    email: change.email,
    password: change.currentPassword,
    totp: change.totp,
    ip: change.ip,
  });
  const passwordHash = await hashPassword(change.newPassword);
  await db.begin(async (tx) => {
    await setPasswordHash(tx, user.id, passwordHash);
    await revokeAllRefreshTokens(tx, user.id);
  });
}
