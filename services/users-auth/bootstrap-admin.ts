/**
 * The first admin comes from ADMIN_EMAIL / ADMIN_PASSWORD. In dev mode without a password one is generated and
 * printed once, when the account is created; there is never a fixed default password.
 */
import { randomBytes } from 'node:crypto';
import type { Sql } from '../../platform/db/client.js';
import { insertUser, userByEmail } from './users-store.js';
import type { Logger } from '../../platform/log.js';
import { hashPassword } from '../../platform/crypto/passwords.js';
import { setEmailVerified } from './email-verification.js';

export async function ensureAdmin(
  sql: Sql,
  settings: { email?: string; password?: string; devMode: boolean },
  log: Logger,
): Promise<void> {
  if (!settings.email) return;
  const email = settings.email.toLowerCase();
  const existing = await userByEmail(sql, email);
  if (existing) {
    if (existing.role !== 'admin') log.warn({ email }, 'ADMIN_EMAIL belongs to a user who is not an admin; left as is');
    return;
  }
  const generated = !settings.password && settings.devMode;
  const password = settings.password ?? (generated ? randomBytes(15).toString('base64url') : undefined);
  if (!password) {
    log.warn({ email }, 'ADMIN_EMAIL is set but ADMIN_PASSWORD is not: no admin was created');
    return;
  }
  const created = await insertUser(sql, { email, passwordHash: await hashPassword(password), role: 'admin' });
  if (!created) return; // another replica created it first
  await setEmailVerified(sql, created.id, true); // the operator chose this address
  log.info({ email }, 'admin account created');
  if (generated) {
    console.log(`\n  First admin created: ${email}\n  Password (shown once, not stored anywhere): ${password}\n`);
  }
}
