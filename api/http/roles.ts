/** Role checks after a guard has authenticated the caller: `middleware: [guards.user, requireRole('line_provider', …)]`. */
import type { MiddlewareHandler } from 'hono';
import { OPERATOR_ROLES, type Role } from '../../services/users-auth/users-store.js';
import { ErrorCode } from '../../domain/errors.js';
import type { AppEnv } from '../context.js';
import { ApiError } from './problem.js';

/** Operators and admins: who act on any user's resources (others act on their own). */
export const isOperator = (role: Role) => OPERATOR_ROLES.includes(role);

export function requireRole(...roles: Role[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!roles.includes(c.get('user').role)) throw new ApiError(ErrorCode.Forbidden, `this needs the ${roles.join(' or ')} role`);
    await next();
  };
}
