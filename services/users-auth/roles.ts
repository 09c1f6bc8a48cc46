/** Who may be given which role: an admin sets anyone's role but their own (an admin cannot lock the last one out). */
import { DomainError, ErrorCode } from '../../domain/errors.js';
import type { Db } from '../../platform/db/client.js';
import type { Logger } from '../../platform/log.js';
import { setRole, type Role, type User } from './users-store.js';

export async function changeRole(db: Db, log: Logger, change: { adminId: string; userId: string; role: Role }): Promise<User> {
  if (change.userId === change.adminId) {
    throw new DomainError(ErrorCode.ValidationFailed, 'admins cannot change their own role', [{ path: 'id', message: 'is you' }]);
  }
  const user = await setRole(db, change.userId, change.role);
  if (!user) throw new DomainError(ErrorCode.NotFound, 'no such user');
  log.info({ admin: change.adminId, user: change.userId, role: user.role }, 'role changed');
  return user;
}
