/**
 * users-auth's surface for other features: the reads they need about a user (who they are, their second factor),
 * and the cached directory for hot paths. Everything else about users (sign-up, roles, secrets at log-in) stays inside
 * users-auth.
 */
export { totpSecretOf, userByEmail, userById, type Role, type User } from './users-store.js';
/** A withdrawal's confirmation checks the second factor by the rule every sign-in does: a code works once. */
export { spendTotpCode } from './totp-codes.js';
/** The operator console lists users and changes roles by the admin API's rule. */
export { ADMIN_ROLES, listUsers, OPERATOR_ROLES, ROLES } from './users-store.js';
export { changeDisabled, changeRole, resetSecondFactor } from './roles.js';
export { markEmailVerified } from './email-verification.js';
/** The operator console signs operators in by the same rule as the token endpoint. */
export { signIn, type Credentials } from './sign-in.js';
export { throttledSignIn } from './throttled-sign-in.js';
export type { SignInGuard } from './second-factor.js';
export { UserDirectory, type Principal } from './directory.js';
/** The worker's account-mail activity mails the links users-auth starts workflows for. */
export { mailAccountLink } from './account-mail.js';
