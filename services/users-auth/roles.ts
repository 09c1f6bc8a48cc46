/**
 * What an admin may change about a user: anyone's role, disabled state or second factor but their own (an admin cannot
 * lock the last one out, nor drop their own second factor with a session alone). This process's user cache forgets the user at once; other processes hear of it through the users table's
 * notify trigger.
 */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { recordSecurityEvent } from '../security/client.js';
import type { UserDirectory } from './directory.js';
import { setDisabled, setRole, setTotp, userById, type Role, type User } from './users-store.js';

interface AdminChangeDeps {
  sql: Db;
  log: Logger;
  users: Pick<UserDirectory, 'userChanged'>;
}

export async function changeRole(
  { sql: db, log, users }: AdminChangeDeps,
  change: { adminId: string; userId: string; role: Role },
): Promise<User> {
  if (change.userId === change.adminId) {
    throw new DomainError(ErrorCode.ValidationFailed, 'admins cannot change their own role', [{ path: 'id', message: 'is you' }]);
  }
  const user = await setRole(db, change.userId, change.role);
  if (!user) throw new DomainError(ErrorCode.NotFound, 'no such user');
  users.userChanged(user.id);
  log.info({ admin: change.adminId, user: change.userId, role: user.role }, 'role changed');
  await recordSecurityEvent(db, { kind: 'role_changed', userId: user.id, actorId: change.adminId, detail: { role: user.role } });
  return user;
}

/** Disables a user (their tokens and API keys are refused from then on) or enables them again. */
export async function changeDisabled(
  { sql: db, log, users }: AdminChangeDeps,
  change: { adminId: string; userId: string; disabled: boolean },
): Promise<User> {
  if (change.userId === change.adminId) {
    throw new DomainError(ErrorCode.ValidationFailed, 'admins cannot disable themselves', [{ path: 'id', message: 'is you' }]);
  }
  const user = await setDisabled(db, change.userId, change.disabled);
  if (!user) throw new DomainError(ErrorCode.NotFound, 'no such user');
  users.userChanged(user.id);
  log.info({ admin: change.adminId, user: change.userId, disabled: user.disabled }, 'user disabled state changed');
  await recordSecurityEvent(db, {
    kind: user.disabled ? 'user_disabled' : 'user_enabled',
    userId: user.id,
    actorId: change.adminId,
  });
  return user;
}

/**
 * Turns a user's two-factor off: support's way back in for an owner who lost their authenticator, or who finds one on
 * that they never enrolled (a password reset leaves it on: password-reset.ts). Recorded as `totp_disabled` with the
 * admin as its actor.
 */
export async function resetSecondFactor(
  { sql: db, log }: AdminChangeDeps,
  change: { adminId: string; userId: string },
): Promise<User> {
  if (change.userId === change.adminId) {
    // forbidden, not a bad request: another admin may do it
    throw new DomainError(ErrorCode.Forbidden, 'admins cannot turn off their own two-factor here', [
      { path: 'id', message: 'is you' },
    ]);
  }
  const user = await userById(db, change.userId);
  if (!user) throw new DomainError(ErrorCode.NotFound, 'no such user');
  await setTotp(db, user.id, { sealedSecret: null, enabled: false });
  log.info({ admin: change.adminId, user: user.id }, 'two-factor turned off by an admin');
  await recordSecurityEvent(db, { kind: 'totp_disabled', userId: user.id, actorId: change.adminId, detail: { by: 'admin' } });
  return { ...user, totpEnabled: false };
}
