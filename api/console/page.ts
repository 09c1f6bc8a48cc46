/**
 * A console page: one file that says where it lives, what the navigation calls it, who may open it, and its routes
 * (relative to its path). The console mounts it behind sign-in, CSRF and its role check; api/console/pages/index.ts
 * lists them.
 */
import type { Hono } from 'hono';
import type { Role } from '../../services/users-auth/client.js';
import type { ApiDeps } from '../context.js';
import type { ConsoleEnv } from './env.js';

export interface ConsolePage {
  /** Under /ops: `/withdrawals`. */
  path: string;
  /** The navigation's label and the page's title. */
  title: string;
  /** Who may open it and act on it; the admin API's role checks, applied to pages. */
  roles: readonly Role[];
  routes(router: Hono<ConsoleEnv>, deps: ApiDeps): void;
}

/** A page's roles are the API's own lists: the admin API's operator and admin routes let in the same users. */
export { ADMIN_ROLES, OPERATOR_ROLES } from '../../services/users-auth/client.js';
