/**
 * users-auth's surface for other features: the reads they need about a user (who they are, their second factor),
 * and the cached directory for hot paths. Everything else about users (sign-up, roles, secrets at log-in) stays inside
 * users-auth.
 */
export { totpSecretOf, userByEmail, userById, type User } from './users-store.js';
export { UserDirectory, type Principal } from './directory.js';
